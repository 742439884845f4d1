import { ApiProperty, ApiPropertyOptional, PartialType, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { STAFF_ROLES, type StaffRole } from '../../platform/http/principal';
import { HELP_BLOCKS, IMPACTS, type HelpBlock, type Impact } from '../incident.entity';
import { NOTICE_PHASES, REGULATOR_RULE_KEYS, type NoticePhase } from '../regulator-rules';

export class CreateIncidentDto {
  @ApiProperty({ example: 'Mobile numbers shared with websites' })
  @IsString()
  @Length(1, 200)
  title!: string;

  @ApiPropertyOptional({ example: "Rhifau ffôn symudol wedi'u rhannu â gwefannau" })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  titleCy?: string;

  @ApiPropertyOptional({
    example: 'A fault in our web gateway sent some customers’ mobile numbers to the websites they visited.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  summary?: string;

  @ApiPropertyOptional({
    example: 'Anfonodd nam yn ein porth gwe rifau ffôn symudol rhai cwsmeriaid i’r gwefannau a welwyd.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  summaryCy?: string;

  @ApiPropertyOptional({
    description: 'What customers should do (shown on the status page)',
    example: 'Be wary of unexpected calls or texts. We will never ask for your password.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  advice?: string;

  @ApiPropertyOptional({ example: 'Byddwch yn wyliadwrus o alwadau neu negeseuon annisgwyl.' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  adviceCy?: string;

  @ApiProperty({ enum: IMPACTS, example: IMPACTS[IMPACTS.length - 1] })
  @IsIn(IMPACTS)
  impact!: Impact;

  @ApiProperty({
    description: 'When the problem was detected (starts the regulator clocks), ISO 8601 with a zone',
    example: '2026-12-03T08:30:00Z',
  })
  @IsISO8601({ strict: true })
  detectedAt!: string;

  @ApiPropertyOptional({ example: '2026-11-30T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  exposureFrom?: string;

  @ApiPropertyOptional({ example: '2026-12-03T08:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  exposureTo?: string;

  @ApiPropertyOptional({ type: [String], example: ['Mobile web browsing'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 80, { each: true })
  affectedServices?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'The affected services in Welsh, same order',
    example: ['Pori gwe symudol'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 80, { each: true })
  affectedServicesCy?: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid', example: [] })
  @IsOptional()
  @IsArray()
  @IsUUID('all', { each: true })
  analysisRunIds?: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid', example: [] })
  @IsOptional()
  @IsArray()
  @IsUUID('all', { each: true })
  campaignIds?: string[];

  @ApiPropertyOptional({
    enum: STAFF_ROLES,
    isArray: true,
    description: "Who may approve updates (default ['supervisor']; only supervisors and admins may set it)",
    example: ['supervisor'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(STAFF_ROLES, { each: true })
  approverRoles?: StaffRole[];

  @ApiPropertyOptional({
    description: 'A personal-data breach: regulator clocks run and the breach help blocks show',
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  personalDataBreach?: boolean;

  @ApiPropertyOptional({
    description: 'When the operator became aware of the breach (starts the regulator clocks; default now)',
    example: '2026-12-03T08:40:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  becameAwareAt?: string;

  @ApiPropertyOptional({
    enum: REGULATOR_RULE_KEYS,
    isArray: true,
    description: "Regulator rules of a breach (default ['pecr_5a_2025'])",
    example: ['pecr_5a_2025'],
  })
  @IsOptional()
  @IsArray()
  @IsIn(REGULATOR_RULE_KEYS, { each: true })
  regulatorRules?: string[];

  @ApiPropertyOptional({
    enum: HELP_BLOCKS,
    isArray: true,
    description: 'Customer-help blocks on the public page (default: all for a breach, none otherwise)',
    example: [...HELP_BLOCKS],
  })
  @IsOptional()
  @IsArray()
  @IsIn(HELP_BLOCKS, { each: true })
  helpBlocks?: HelpBlock[];

  @ApiPropertyOptional({ description: 'Minutes between updates at first (default 60)', example: 60 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(5)
  @Max(1440)
  cadenceMinutes?: number;

  @ApiPropertyOptional({
    description: 'Hours after detection the first cadence applies (default 48)',
    example: 48,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(24 * 30)
  cadenceFastHours?: number;

  @ApiPropertyOptional({ description: 'Minutes between updates after that (default 240)', example: 240 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(5)
  @Max(10080)
  cadenceSlowMinutes?: number;

  @ApiPropertyOptional({ description: 'The comms lead (gets reminders first)', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  commsLeadId?: string;

  @ApiPropertyOptional({ description: 'The deputy comms lead (reminded with the lead)', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  commsDeputyId?: string;
}

export class PatchIncidentDto extends PartialType(CreateIncidentDto) {}

/** What the public reads of an incident: once public, it changes only through an approved text change. */
export const PUBLIC_TEXT_FIELDS = [
  'title',
  'titleCy',
  'summary',
  'summaryCy',
  'advice',
  'adviceCy',
  'affectedServices',
  'affectedServicesCy',
] as const;

export class TextChangeDto extends PartialType(PickType(CreateIncidentDto, PUBLIC_TEXT_FIELDS)) {}

export class RegulatorNoticeDto {
  @ApiProperty({ description: "The regulator's reference for the notification" })
  @IsString()
  @Length(1, 200)
  reference!: string;

  @ApiPropertyOptional({ description: 'When it was notified (default now)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  notifiedAt?: string;

  @ApiPropertyOptional({
    enum: NOTICE_PHASES,
    description: 'Which phase of a phased notification (default initial)',
  })
  @IsOptional()
  @IsIn(NOTICE_PHASES)
  phase?: NoticePhase;

  @ApiPropertyOptional({ description: 'Reasons for a notification later than the deadline (required then)' })
  @IsOptional()
  @IsString()
  @Length(1, 4000)
  delayReasons?: string;
}
