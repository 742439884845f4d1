import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { NOTICE_KINDS, type NoticeKind } from '../regulator-rules';

export class IncidentParams {
  @IsUUID()
  id!: string;
}

export class UpdateParams extends IncidentParams {
  @IsUUID()
  updateId!: string;
}

export class TextChangeParams extends IncidentParams {
  @IsUUID()
  changeId!: string;
}

export class RegulatorParams extends IncidentParams {
  @IsIn(NOTICE_KINDS)
  kind!: NoticeKind;
}

export class ReminderQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  incidentId?: string;
}
