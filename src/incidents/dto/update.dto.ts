import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { INCIDENT_STATUSES, type IncidentStatus } from '../incident.entity';
import { UPDATE_TEMPLATES } from '../update-templates';

export class EditUpdateDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 4000)
  body?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 4000)
  bodyCy?: string;

  @ApiPropertyOptional({
    enum: INCIDENT_STATUSES,
    description: 'Status this update announces (default: unchanged)',
  })
  @IsOptional()
  @IsIn(INCIDENT_STATUSES)
  incidentStatus?: IncidentStatus;

  @ApiPropertyOptional({ description: "The promise; default from the incident's cadence at publication" })
  @IsOptional()
  @IsISO8601({ strict: true })
  nextUpdateBy?: string;
}

export class CreateUpdateDto extends EditUpdateDto {
  @ApiPropertyOptional({ enum: UPDATE_TEMPLATES.map((t) => t.key), description: 'Start from a template' })
  @IsOptional()
  @IsIn(UPDATE_TEMPLATES.map((t) => t.key))
  template?: string;

  @ApiPropertyOptional({ description: 'A correction of this published update (a visible revision)' })
  @IsOptional()
  @IsUUID()
  correctsId?: string;
}

export class ScheduleUpdateDto {
  @ApiProperty({ description: 'Exact publication time (ISO 8601, in the future)' })
  @IsISO8601({ strict: true })
  publishAt!: string;
}
