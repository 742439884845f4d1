import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
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
    description:
      "what comms write, in English: the kind's variables and paragraphs (GET /notifications/templates lists them). " +
      'Links (statusUrl, incidentUrl, accountUrl, offersUrl) and the operator details (operatorName, contactPoint) ' +
      'are filled in by Candor and refused here; firstName is the recipient’s. Paragraphs may stay empty in a draft ' +
      'but must be written before approval.',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: {
      incidentTitle: 'Your mobile number was shared with websites',
      whatHappened: 'A fault in our web gateway…',
    },
  })
  @IsOptional()
  @IsObject()
  vars?: Record<string, string>;

  @ApiPropertyOptional({
    description:
      'the Welsh text of any of those variables and paragraphs (a missing one falls back to English, with a warning)',
  })
  @IsOptional()
  @IsObject()
  varsCy?: Record<string, string>;

  @ApiPropertyOptional({ description: 'urgent notices may send SMS during quiet hours' })
  @IsOptional()
  @IsBoolean()
  ignoreQuietHours?: boolean;

  @ApiPropertyOptional({
    description:
      'leave out audience members who already got the same kind for the same incident within CAMPAIGN_REPEAT_WINDOW_HOURS',
  })
  @IsOptional()
  @IsBoolean()
  excludeRecentRecipients?: boolean;
}

/** Edits a draft campaign: only what is given changes; vars and varsCy merge over the stored ones. */
export class UpdateCampaignDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(3, 200)
  name?: string;

  @ApiPropertyOptional({ description: 'English values to change (an empty string clears a paragraph)' })
  @IsOptional()
  @IsObject()
  vars?: Record<string, string>;

  @ApiPropertyOptional({ description: 'Welsh values to change (an empty string removes the Welsh text)' })
  @IsOptional()
  @IsObject()
  varsCy?: Record<string, string>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  ignoreQuietHours?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  excludeRecentRecipients?: boolean;
}

export class CampaignPreviewQueryDto {
  @ApiPropertyOptional({ description: "override the campaign's excludeRecentRecipients for this preview" })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  excludeRecent?: boolean;
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

export class CancelCampaignDto {
  @ApiPropertyOptional({
    example: 'The text names the wrong incident',
    description: 'why (kept in the audit trail)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}
