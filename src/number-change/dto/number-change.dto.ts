import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { FRAUD_SIGNALS, type FraudSignalCode } from '../fraud-rules';
import { NUMBER_CHANGE_STATES, type NumberChangeState } from '../number-change-state';

const queryBool = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

export class CreateNumberChangeDto {
  @ApiProperty({ example: 'My number was exposed in the incident' })
  @IsString()
  @Length(3, 500)
  reason!: string;

  @ApiPropertyOptional({ description: 'Also confirm with a code sent to the email on file' })
  @IsOptional()
  @IsBoolean()
  confirmByEmail?: boolean;
}

export class ConfirmEmailDto {
  @ApiProperty({ example: '123456' })
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code!: string;
}

export class OfferNumbersDto {
  @ApiPropertyOptional({ description: 'Prefer numbers sharing the last digits of the current one' })
  @IsOptional()
  @IsBoolean()
  similar?: boolean;
}

export class ChooseNumberDto {
  @ApiProperty({ example: '+447911123456' })
  @IsString()
  @Length(6, 30)
  msisdn!: string;
}

export class RejectDto {
  @ApiProperty()
  @IsString()
  @Length(3, 500)
  reason!: string;
}

export class ScheduleDto {
  @ApiPropertyOptional({ description: 'Cutover time (ISO 8601, UTC); now when omitted' })
  @IsOptional()
  @IsISO8601({ strict: true })
  at?: string;
}

export class QueueQueryDto {
  @ApiPropertyOptional({ enum: [...NUMBER_CHANGE_STATES, 'open'], default: 'open' })
  @IsOptional()
  @IsIn([...NUMBER_CHANGE_STATES, 'open'])
  state?: NumberChangeState | 'open';

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(queryBool)
  @IsBoolean()
  held?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(queryBool)
  @IsBoolean()
  breached?: boolean;

  @ApiPropertyOptional({ enum: FRAUD_SIGNALS })
  @IsOptional()
  @IsIn(FRAUD_SIGNALS)
  signal?: FraudSignalCode;

  @ApiPropertyOptional({ default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}
