import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { LOCALES, type Locale } from '../../platform/locales';

export class LangQuery {
  @ApiPropertyOptional({ enum: LOCALES })
  @IsOptional()
  @IsIn(LOCALES)
  lang?: Locale;
}

export class IdParam {
  @IsUUID()
  id!: string;
}

export class SubscribeForm {
  @ApiProperty({ enum: ['email', 'sms'] })
  @IsIn(['email', 'sms'])
  channel!: 'email' | 'sms';

  @ApiProperty({ description: 'Email address or mobile number' })
  @IsString()
  @MaxLength(254)
  address!: string;

  @ApiPropertyOptional({ enum: LOCALES })
  @IsOptional()
  @IsIn(LOCALES)
  locale?: Locale;
}

export class TokenQuery extends LangQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  token?: string;
}

/** The confirm form (token for email, code for SMS) and RFC 8058 one-click unsubscribe bodies. */
export class TokenForm {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  token?: string;

  @IsOptional()
  @IsString()
  @MaxLength(10)
  code?: string;

  @IsOptional()
  @IsIn(LOCALES)
  locale?: Locale;

  @IsOptional()
  @IsString()
  'List-Unsubscribe'?: string;
}
