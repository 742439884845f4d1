import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { INCIDENT_STATUSES, type IncidentStatus } from '../../incidents/incident.entity';

export class SubscriberPreviewParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

/** An update as its author is writing it (nothing is saved). */
export class SubscriberPreviewDto {
  @ApiProperty({ example: 'We have found the cause and are working on a fix.' })
  @IsString()
  @Length(1, 4000)
  body!: string;

  @ApiPropertyOptional({ example: 'Rydym wedi dod o hyd i’r achos.' })
  @IsOptional()
  @IsString()
  @Length(0, 4000)
  bodyCy?: string;

  @ApiProperty({ enum: INCIDENT_STATUSES })
  @IsIn(INCIDENT_STATUSES)
  incidentStatus!: IncidentStatus;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  nextUpdateBy?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Set when the update corrects a published one' })
  @IsOptional()
  @IsUUID()
  correctsId?: string;
}

export class SmsPreviewDto {
  @ApiProperty()
  text!: string;

  @ApiProperty({ enum: ['GSM-7', 'UCS-2'] })
  encoding!: 'GSM-7' | 'UCS-2';

  @ApiProperty()
  segments!: number;

  @ApiProperty()
  characters!: number;
}

export class EmailPreviewDto {
  @ApiProperty()
  subject!: string;

  @ApiProperty()
  text!: string;
}

export class LocalePreviewDto {
  @ApiProperty({ enum: ['en', 'cy'] })
  locale!: 'en' | 'cy';

  @ApiProperty({ type: SmsPreviewDto })
  sms!: SmsPreviewDto;

  @ApiProperty({ type: EmailPreviewDto })
  email!: EmailPreviewDto;

  @ApiProperty({ type: [String], description: 'Rules the rendering breaks (segments, links), if any' })
  issues!: string[];
}
