import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { ELIGIBILITIES, KEYWORD_PATTERN, OFFER_KINDS, OFFER_MODES } from '../offer-rules';
import type { Eligibility, OfferKind, OfferMode } from '../offer-rules';

export class CreateOfferDto {
  @ApiProperty()
  @IsString()
  @MinLength(3)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: OFFER_KINDS })
  @IsIn(OFFER_KINDS)
  kind!: OfferKind;

  @ApiPropertyOptional({ description: 'pence (credit), messages (sms_bundle), MB (data); omit for custom' })
  @IsOptional()
  @IsInt({ message: 'value must be a whole number' })
  value?: number;

  @ApiPropertyOptional({ description: 'what a custom offer gives, in words' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  benefit?: string;

  @ApiProperty({ enum: ELIGIBILITIES })
  @IsIn(ELIGIBILITIES)
  eligibility!: Eligibility;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  analysisRunId?: string;

  @ApiPropertyOptional({ description: 'ISO 8601; default now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  claimOpensAt?: string;

  @ApiProperty({ description: 'ISO 8601, exclusive' })
  @IsISO8601({ strict: true })
  claimClosesAt!: string;

  @ApiProperty({ enum: OFFER_MODES })
  @IsIn(OFFER_MODES)
  mode!: OfferMode;

  @ApiPropertyOptional({ description: 'SMS reply keyword, 2-20 letters/digits, unique' })
  @IsOptional()
  @Matches(KEYWORD_PATTERN, { message: 'keyword must be 2-20 letters or digits, starting with a letter' })
  keyword?: string;

  @ApiPropertyOptional({ description: 'message kind used to tell customers' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9_]{1,63}$/)
  template?: string;
}
