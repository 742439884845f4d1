import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
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
import { STAFF_ROLES, type StaffRole } from '../../platform/http/principal';

export class LoginDto {
  @ApiProperty({ example: 'comms@candor.test' })
  @IsEmail()
  email!: string;

  @ApiProperty({ example: 'correct-horse-battery-staple' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  password!: string;
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

  @ApiProperty({ minLength: 12 })
  @IsString()
  @MinLength(12)
  @MaxLength(200)
  password!: string;

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
  @ApiProperty()
  @IsUUID()
  userId!: string;

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
