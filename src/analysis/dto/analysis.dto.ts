import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { LOG_FORMATS, LogFormat } from '../formats';

export class StartAnalysisDto {
  @ApiProperty({ description: 'file names inside ANALYSIS_INPUT_DIR', example: ['squid-sample.log'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(1000, { each: true })
  files!: string[];

  @ApiProperty({ example: '2025-11-24T00:00:00Z', description: 'window start, inclusive (ISO 8601)' })
  @IsDateString({ strict: true })
  from!: string;

  @ApiProperty({ example: '2025-11-26T00:00:00Z', description: 'window end, exclusive (ISO 8601)' })
  @IsDateString({ strict: true })
  to!: string;

  @ApiPropertyOptional({ example: ['o2.co.uk'], description: 'trusted partner host suffixes' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(/^[*.]*[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?$/, {
    each: true,
    message: 'each partner must be a host suffix',
  })
  partners?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  incidentId?: string;

  @ApiPropertyOptional({ enum: LOG_FORMATS })
  @IsOptional()
  @IsIn(LOG_FORMATS)
  format?: LogFormat;

  @ApiPropertyOptional({ description: 'Squid logformat of the files (default: the README one)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  squidLogformat?: string;
}

export class SubscribersPageDto {
  @ApiPropertyOptional({ description: 'the nextAfter of the previous page' })
  @IsOptional()
  @IsUUID()
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
