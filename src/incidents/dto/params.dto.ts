import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { REGULATOR_CLOCK_KINDS, type RegulatorClockKind } from '../cadence';

export class IncidentParams {
  @IsUUID()
  id!: string;
}

export class UpdateParams extends IncidentParams {
  @IsUUID()
  updateId!: string;
}

export class RegulatorParams extends IncidentParams {
  @IsIn(REGULATOR_CLOCK_KINDS)
  kind!: RegulatorClockKind;
}

export class ReminderQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  incidentId?: string;
}
