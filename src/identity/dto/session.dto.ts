import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { STAFF_ROLES, type StaffRole } from '../../platform/http/principal';

/** Response shapes (documentation and the console's generated client). */
export class StaffUserDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'comms@candor.test' })
  email!: string;

  @ApiProperty({ example: 'Casey Comms' })
  displayName!: string;

  @ApiProperty({ enum: STAFF_ROLES })
  role!: StaffRole;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'E.164 mobile for reminder SMS' })
  phone!: string | null;

  @ApiProperty()
  active!: boolean;

  @ApiProperty({ description: 'A named service account: no password, API keys only, never approves' })
  serviceAccount!: boolean;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: Date;
}

export class ConsoleSessionDto {
  @ApiProperty({ type: StaffUserDto })
  user!: StaffUserDto;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  expiresAt!: string | null;

  @ApiProperty({ description: 'Send it as the X-CSRF-Token header with every write' })
  csrfToken!: string;

  @ApiProperty({
    description: 'This person must set up an authenticator (POST /auth/totp/setup) before anything else',
  })
  totpEnrolmentRequired!: boolean;
}

export class MeDto {
  @ApiProperty({ enum: ['staff'] })
  type!: 'staff';

  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({ enum: STAFF_ROLES })
  role!: StaffRole;

  @ApiProperty({ format: 'uuid' })
  tokenId!: string;

  @ApiProperty({ enum: ['session', 'api_key'] })
  via!: 'session' | 'api_key';

  @ApiProperty({ type: StaffUserDto })
  user!: StaffUserDto;
}
