import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { NOTICE_KINDS, type NoticeKind } from '../regulator-rules';

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

export class TextChangeParams extends IncidentParams {
  @IsUUID()
  changeId!: string;
}

export class RegulatorParams extends IncidentParams {
  @ApiProperty({ enum: NOTICE_KINDS })
  @IsIn(NOTICE_KINDS)
  kind!: NoticeKind;
}

export class ReminderQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  incidentId?: string;
}
