import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDate,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
} from 'class-validator';
import { Locale, LOCALES } from '../../platform/locales';

export class CreateCampaignDto {
  @ApiProperty({ example: 'Breach notice: affected customers' })
  @IsString()
  @Length(3, 200)
  name!: string;

  @ApiProperty({ example: 'breach-notice', description: 'a campaign message kind (templates/)' })
  @IsString()
  kind!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  incidentId?: string;

  @ApiProperty({ enum: ['analysis_run', 'csv', 'all_subscribers'] })
  @IsIn(['analysis_run', 'csv', 'all_subscribers'])
  audienceType!: 'analysis_run' | 'csv' | 'all_subscribers';

  @ApiPropertyOptional({ description: 'the analysis run id for an analysis_run audience' })
  @IsOptional()
  @IsString()
  audienceRef?: string;

  @ApiProperty({
    enum: ['sms', 'email', 'both', 'sms_else_email', 'email_first'],
    description:
      'email_first: email to everyone with an address, SMS (paced) to the rest; for SMS to all as well, use both',
  })
  @IsIn(['sms', 'email', 'both', 'sms_else_email', 'email_first'])
  channelPolicy!: 'sms' | 'email' | 'both' | 'sms_else_email' | 'email_first';

  @ApiPropertyOptional({
    description:
      "Twilio's ValidityPeriod in seconds (1-36000), counted from the campaign's start: an SMS not sent by then fails instead of arriving late",
    minimum: 1,
    maximum: 36000,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36000)
  validityPeriodSeconds?: number;

  @ApiPropertyOptional({
    description: "values for the kind's variables (all but firstName)",
    type: 'object',
    additionalProperties: { type: 'string' },
    example: {
      incidentTitle: 'Mobile numbers shared with websites',
      statusUrl: 'https://candor.example/status',
    },
  })
  @IsOptional()
  @IsObject()
  vars?: Record<string, string>;

  @ApiPropertyOptional({ description: 'urgent notices may send SMS during quiet hours' })
  @IsOptional()
  @IsBoolean()
  ignoreQuietHours?: boolean;
}

export class ScheduleCampaignDto {
  @ApiProperty()
  @Type(() => Date)
  @IsDate()
  scheduledAt!: Date; // "in the future" is checked by the service, on the Clock
}

export class PreviewTemplateDto {
  @ApiProperty({ example: 'breach-notice' })
  @IsString()
  kind!: string;

  @ApiProperty({ enum: LOCALES })
  @IsIn(LOCALES)
  locale!: Locale;

  @ApiProperty({ enum: ['sms', 'email'] })
  @IsIn(['sms', 'email'])
  channel!: 'sms' | 'email';

  @ApiPropertyOptional({
    description: 'values to render with; sample data otherwise',
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  @IsOptional()
  @IsObject()
  vars?: Record<string, string>;
}
