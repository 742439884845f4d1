import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { INCIDENT_STATUSES, type IncidentStatus } from '../incident.entity';

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
    description:
      "Status this update announces (default: the template's when it moves forward, else unchanged); " +
      'an earlier status than the current one is a deliberate move back, shown as such',
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
  @ApiPropertyOptional({ description: 'Start from a template (GET /incidents/update-templates)' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9-]{2,40}$/)
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

export class TemplateKeyParams {
  @Matches(/^[a-z0-9-]{2,40}$/, { message: 'key must be 2-40 lowercase letters, digits or dashes' })
  key!: string;
}

export class SaveUpdateTemplateDto {
  @ApiProperty({ description: 'English text; {{services}} stands for the affected services' })
  @IsString()
  @Length(1, 4000)
  body!: string;

  @ApiProperty({ description: 'Welsh text; {{services}} stands for the affected services' })
  @IsString()
  @Length(1, 4000)
  bodyCy!: string;

  @ApiPropertyOptional({
    enum: INCIDENT_STATUSES,
    description: 'Status it announces (none: keeps the status)',
  })
  @IsOptional()
  @IsIn(INCIDENT_STATUSES)
  incidentStatus?: IncidentStatus;

  @ApiPropertyOptional({ description: 'Retire the template (no longer offered)' })
  @IsOptional()
  @IsBoolean()
  retired?: boolean;
}
