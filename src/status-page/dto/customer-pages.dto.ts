import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { LOCALES, type Locale } from '../../platform/locales';
import { LangQuery } from './status-page.dto';

/** Step 1 of "am I affected?". The number is checked by CustomerAuthService, which answers with a page-friendly error. */
export class AffectedNumberForm {
  @ApiProperty({ description: 'Mobile number, any UK form' })
  @IsString()
  @MaxLength(32)
  msisdn!: string;

  @ApiPropertyOptional({ enum: LOCALES })
  @IsOptional()
  @IsIn(LOCALES)
  locale?: Locale;
}

/** Step 2: the code from the text message, for the challenge started in step 1. */
export class AffectedCodeForm {
  @ApiProperty()
  @IsUUID()
  challengeId!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(10)
  code!: string;

  @ApiPropertyOptional({ enum: LOCALES })
  @IsOptional()
  @IsIn(LOCALES)
  locale?: Locale;
}

export class VerifyQuery extends LangQuery {
  @ApiPropertyOptional({ description: 'Reference code from a message' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  code?: string;
}
