import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { MAX_AMOUNT_PENCE } from '../ledger';
import { LimitQueryDto } from './period.dto';

export const CREDIT_REASONS = [
  'service_outage',
  'data_exposure',
  'billing_error',
  'poor_service',
  'goodwill',
  'other',
] as const;

export class IssueCreditDto {
  @ApiProperty()
  @IsUUID(undefined, { message: 'subscriberId must be a subscriber id (UUID)' })
  subscriberId!: string;

  @ApiProperty({ description: 'integer pence, 1 to 10,000,000', example: 500 })
  @IsInt({ message: 'amountPence must be a whole number of pence' })
  @Min(1, { message: 'amountPence must be at least 1 (one penny)' })
  @Max(MAX_AMOUNT_PENCE, { message: `amountPence must not exceed ${MAX_AMOUNT_PENCE} (£100,000)` })
  amountPence!: number;

  @ApiProperty({ enum: CREDIT_REASONS })
  @IsIn(CREDIT_REASONS)
  reasonCode!: string;

  @ApiProperty()
  @IsString()
  @MinLength(3)
  @MaxLength(1000)
  note!: string;
}

export class DecisionDto {
  @ApiProperty()
  @IsString()
  @MinLength(3)
  @MaxLength(1000)
  reason!: string;
}

export class ListCreditsDto extends LimitQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  subscriberId?: string;

  @ApiPropertyOptional({ enum: ['pending_approval', 'issued', 'rejected'] })
  @IsOptional()
  @IsIn(['pending_approval', 'issued', 'rejected'])
  status?: 'pending_approval' | 'issued' | 'rejected';
}
