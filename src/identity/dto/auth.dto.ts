import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  Max,
  Min,
  ValidateIf,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { API_KEY_SCOPES, STAFF_ROLES, type ApiKeyScope, type StaffRole } from '../../platform/http/principal';

export class LoginDto {
  @ApiProperty({ example: 'comms@candor.test' })
  @IsEmail()
  email!: string;

  @ApiProperty({ example: 'correct-horse-battery-staple' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  password!: string;

  @ApiPropertyOptional({
    description:
      'The 6-digit code from the authenticator app; required (401, code `totp_required`) once set up',
  })
  @IsOptional()
  @Matches(/^\d{6}$/, { message: 'totp must be 6 digits' })
  totp?: string;
}

export class TotpCodeDto {
  @ApiProperty({ example: '123456' })
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code!: string;
}

export class CreateUserDto {
  @ApiProperty()
  @IsEmail()
  email!: string;

  @ApiProperty()
  @IsString()
  @Length(1, 120)
  displayName!: string;

  @ApiProperty({ enum: STAFF_ROLES })
  @IsIn(STAFF_ROLES)
  role!: StaffRole;

  @ApiPropertyOptional({
    minLength: 12,
    description: 'Required for people; refused for service accounts. Weak or common passwords are refused.',
  })
  @ValidateIf((o) => !o.serviceAccount || o.password !== undefined)
  @IsString()
  @MinLength(12)
  @MaxLength(200)
  password?: string;

  @ApiPropertyOptional({ description: 'A named service account: no password, API keys only, never approves' })
  @IsOptional()
  @IsBoolean()
  serviceAccount?: boolean;

  @ApiPropertyOptional({
    description: 'Mobile for on-duty reminders by SMS (any format; stored in E.164)',
    example: '07911 123456',
  })
  @IsOptional()
  @IsString()
  @Length(6, 30)
  phone?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: STAFF_ROLES })
  @IsOptional()
  @IsIn(STAFF_ROLES)
  role?: StaffRole;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 120)
  displayName?: string;

  @ApiPropertyOptional({ description: 'Remove the authenticator, so the user sets up a new one' })
  @IsOptional()
  @IsBoolean()
  resetTotp?: boolean;

  @ApiPropertyOptional({
    description: 'Mobile for reminder SMS (any format; stored in E.164); null removes it',
    example: '07911 123456',
    nullable: true,
    type: String,
  })
  @IsOptional()
  @IsString()
  @Length(6, 30)
  phone?: string | null;
}

export class LogoutDto {
  @ApiPropertyOptional({ description: 'End every session of this user (sign out everywhere)' })
  @IsOptional()
  @IsBoolean()
  everywhere?: boolean;
}

export class CreateApiKeyDto {
  @ApiPropertyOptional({ description: 'A service account; omitted = a key for yourself' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ enum: API_KEY_SCOPES, isArray: true, description: 'Default: read' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(API_KEY_SCOPES.length)
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes?: ApiKeyScope[];

  @ApiPropertyOptional({ description: 'Days until the key expires (default 90, at most API_KEY_MAX_DAYS)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  expiresInDays?: number;

  @ApiProperty()
  @IsString()
  @Length(1, 80)
  name!: string;
}

export class RequestCodeDto {
  @ApiProperty({ example: '07700 900123' })
  @IsString()
  @Length(6, 30)
  msisdn!: string;
}

export class VerifyCodeDto {
  @ApiProperty()
  @IsUUID()
  challengeId!: string;

  @ApiProperty({ example: '123456' })
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code!: string;
}
