import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { REGULATOR_CLOCK_KINDS, type RegulatorClockKind } from '../cadence';

export class IncidentParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

export class UpdateParams extends IncidentParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  updateId!: string;
}

export class RegulatorParams extends IncidentParams {
  @ApiProperty({ enum: REGULATOR_CLOCK_KINDS })
  @IsIn(REGULATOR_CLOCK_KINDS)
  kind!: RegulatorClockKind;
}

export class ReminderQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  incidentId?: string;
}
