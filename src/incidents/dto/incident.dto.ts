import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { STAFF_ROLES, type StaffRole } from '../../platform/http/principal';
import { IMPACTS, type Impact } from '../incident.entity';

export class CreateIncidentDto {
  @ApiProperty()
  @IsString()
  @Length(1, 200)
  title!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  titleCy?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  summary?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  summaryCy?: string;

  @ApiPropertyOptional({ description: 'What customers should do (shown on the status page)' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  advice?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  adviceCy?: string;

  @ApiProperty({ enum: IMPACTS })
  @IsIn(IMPACTS)
  impact!: Impact;

  @ApiProperty({ description: 'When the problem was detected (starts the regulator clocks)' })
  @IsISO8601({ strict: true })
  detectedAt!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601({ strict: true })
  exposureFrom?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601({ strict: true })
  exposureTo?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 80, { each: true })
  affectedServices?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsUUID('all', { each: true })
  analysisRunIds?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsUUID('all', { each: true })
  campaignIds?: string[];

  @ApiPropertyOptional({
    enum: STAFF_ROLES,
    isArray: true,
    description: "Who may approve updates (default ['supervisor'])",
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(STAFF_ROLES, { each: true })
  approverRoles?: StaffRole[];

  @ApiPropertyOptional({ description: 'Minutes between updates at first (default 60)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(5)
  @Max(1440)
  cadenceMinutes?: number;

  @ApiPropertyOptional({ description: 'Hours after detection the first cadence applies (default 48)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(24 * 30)
  cadenceFastHours?: number;

  @ApiPropertyOptional({ description: 'Minutes between updates after that (default 240)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(5)
  @Max(10080)
  cadenceSlowMinutes?: number;
}

export class PatchIncidentDto extends PartialType(CreateIncidentDto) {}

export class RegulatorNoticeDto {
  @ApiProperty({ description: "The regulator's reference for the notification" })
  @IsString()
  @Length(1, 200)
  reference!: string;

  @ApiPropertyOptional({ description: 'When it was notified (default now)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  notifiedAt?: string;
}
