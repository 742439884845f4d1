import { Body, Controller, Get, Header, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../platform/http/actor';
import { RejectWithReasonDto, SendBackDto } from '../platform/http/decision.dto';
import { CurrentActor, Interactive, Roles } from '../platform/http/policy.decorators';
import { BreachReportService } from './breach-report.service';
import { CreateIncidentDto, PatchIncidentDto, RegulatorNoticeDto, TextChangeDto } from './dto/incident.dto';
import {
  IncidentParams,
  RegulatorParams,
  ReminderQueryDto,
  TextChangeParams,
  UpdateParams,
} from './dto/params.dto';
import {
  CreateUpdateDto,
  EditUpdateDto,
  SaveUpdateTemplateDto,
  ScheduleUpdateDto,
  TemplateKeyParams,
} from './dto/update.dto';
import { IncidentTextChangesService } from './incident-text-changes.service';
import { IncidentUpdatesService } from './incident-updates.service';
import { IncidentsService } from './incidents.service';
import { RegulatorNoticesService } from './regulator-notices.service';
import { RemindersService } from './reminders.service';
import { UpdateReviewService } from './update-review.service';
import { UpdateTemplatesService } from './update-templates.service';

const ANY_STAFF = ['comms', 'support', 'supervisor', 'admin'] as const;
const WRITERS = ['comms', 'supervisor', 'admin'] as const;

@ApiTags('incidents')
@ApiBearerAuth()
@Controller('incidents')
export class IncidentsController {
  constructor(
    private readonly incidents: IncidentsService,
    private readonly updates: IncidentUpdatesService,
    private readonly review: UpdateReviewService,
    private readonly textChanges: IncidentTextChangesService,
    private readonly notices: RegulatorNoticesService,
    private readonly reminders: RemindersService,
    private readonly templates: UpdateTemplatesService,
    private readonly breach: BreachReportService,
  ) {}

  @Get()
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'Incidents, newest first' })
  list() {
    return this.incidents.list();
  }

  @Post()
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Open an incident (public text is checked for personal data: 422)' })
  create(@Body() dto: CreateIncidentDto, @CurrentActor() actor: Actor) {
    return this.incidents.create(dto, actor);
  }

  @Get('update-templates')
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'Starting texts for the usual updates, in English and Welsh' })
  listTemplates() {
    return this.templates.list();
  }

  /** Every version of a template, newest first. */
  @Get('update-templates/:key/versions')
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'Every version of an update template, newest first' })
  templateVersions(@Param() p: TemplateKeyParams) {
    return this.templates.versions(p.key);
  }

  /** Saves a new version of a template (or a new template); supervisors and admins edit them. */
  @Put('update-templates/:key')
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: 'Save a new version of an update template (supervisors, admins)' })
  saveTemplate(
    @Param() p: TemplateKeyParams,
    @Body() dto: SaveUpdateTemplateDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.templates.save(p.key, dto, actor);
  }

  /** The breach log (PECR reg. 5A): every personal-data breach, its facts and notifications. */
  @Get('breach-log.csv')
  @Roles('supervisor', 'admin')
  @Header('content-type', 'text/csv; charset=utf-8')
  @Header('content-disposition', 'attachment; filename="breach-log.csv"')
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'The breach log (PECR reg. 5A) as CSV' })
  breachLog() {
    return this.breach.breachLogCsv();
  }

  /** Cadence reminders that fired (newest first), for the on-duty dashboard. */
  @Get('reminders')
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'Cadence reminders that fired (due soon, overdue), newest first' })
  listReminders(@Query() q: ReminderQueryDto) {
    return this.reminders.list(q.incidentId);
  }

  @Get(':id')
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'One incident: its updates, reminders, next-update promise and regulator clocks' })
  get(@Param() p: IncidentParams) {
    return this.incidents.detail(p.id);
  }

  @Patch(':id')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Edit an incident' })
  patch(@Param() p: IncidentParams, @Body() dto: PatchIncidentDto, @CurrentActor() actor: Actor) {
    return this.incidents.patch(p.id, dto, actor);
  }

  /** Records a notification to the regulator (one per duty and phase), keeping the draft as it stood. */
  @Post(':id/regulator-notices/:kind')
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: 'Record a regulator notification (per duty and phase)' })
  async recordNotice(
    @Param() p: RegulatorParams,
    @Body() dto: RegulatorNoticeDto,
    @CurrentActor() actor: Actor,
  ) {
    const content = await this.breach.icoNotification(p.id).catch(() => null);
    return this.notices.record(p.id, p.kind, dto, actor, content);
  }

  /** The ICO notification drafted from the incident, its analysis and its breach notice (JSON). */
  @Get(':id/regulator-notification')
  @Roles('comms', 'supervisor', 'admin')
  @ApiOperation({ summary: 'The ICO notification drafted from the incident and its analysis' })
  icoNotification(@Param() p: IncidentParams) {
    return this.breach.icoNotification(p.id);
  }

  /** The same, as plain text to export. */
  @Get(':id/regulator-notification.txt')
  @Roles('comms', 'supervisor', 'admin')
  @Header('content-type', 'text/plain; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'The ICO notification draft as plain text' })
  icoNotificationText(@Param() p: IncidentParams) {
    return this.breach.icoNotificationText(p.id);
  }

  /** Proposes new public text for a public incident (title, advice, services...): a second person applies it. */
  @Post(':id/text-changes')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Propose new public text for a public incident (a second person applies it)' })
  proposeText(@Param() p: IncidentParams, @Body() dto: TextChangeDto, @CurrentActor() actor: Actor) {
    return this.textChanges.propose(p.id, dto, actor);
  }

  @Post(':id/text-changes/:changeId/approve')
  @Interactive()
  @Roles(...WRITERS)
  @HttpCode(200)
  @ApiOperation({ summary: 'Apply a proposed public-text change (not its author)' })
  approveText(@Param() p: TextChangeParams, @CurrentActor() actor: Actor) {
    return this.textChanges.approve(p.id, p.changeId, actor);
  }

  @Post(':id/text-changes/:changeId/reject')
  @Interactive()
  @Roles(...WRITERS)
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a proposed public-text change with a reason (not its author)' })
  rejectText(@Param() p: TextChangeParams, @Body() dto: RejectWithReasonDto, @CurrentActor() actor: Actor) {
    return this.textChanges.reject(p.id, p.changeId, dto.reason, actor);
  }

  @Post(':id/text-changes/:changeId/discard')
  @Roles(...WRITERS)
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw your own proposed public-text change' })
  discardText(@Param() p: TextChangeParams, @CurrentActor() actor: Actor) {
    return this.textChanges.discard(p.id, p.changeId, actor);
  }

  @Post(':id/updates')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Draft an update (from a template, or a correction of a published one)' })
  draft(@Param() p: IncidentParams, @Body() dto: CreateUpdateDto, @CurrentActor() actor: Actor) {
    return this.updates.draft(p.id, dto, actor);
  }

  @Patch(':id/updates/:updateId')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Edit a draft update (a sent-back one is resubmitted for approval)' })
  edit(@Param() p: UpdateParams, @Body() dto: EditUpdateDto, @CurrentActor() actor: Actor) {
    return this.updates.edit(p.id, p.updateId, dto, actor);
  }

  /** The incident's approver roles (default supervisor) are checked in the service; never the author. */
  @Post(':id/updates/:updateId/approve')
  @Interactive()
  @Roles(...WRITERS)
  @HttpCode(200)
  @ApiOperation({
    summary: "Approve a draft (someone other than its author, with one of the incident's approver roles)",
  })
  approve(@Param() p: UpdateParams, @CurrentActor() actor: Actor) {
    return this.updates.approve(p.id, p.updateId, actor);
  }

  /** Back to its author with a comment (same deciders as approval, never the author); an edit resubmits it. */
  @Post(':id/updates/:updateId/send-back')
  @Interactive()
  @Roles(...WRITERS)
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a draft back to its author with a comment (not its author)' })
  sendBack(@Param() p: UpdateParams, @Body() dto: SendBackDto, @CurrentActor() actor: Actor) {
    return this.review.sendBack(p.id, p.updateId, dto.comment, actor);
  }

  @Post(':id/updates/:updateId/publish')
  @Roles(...WRITERS)
  @HttpCode(200)
  @ApiOperation({ summary: 'Publish an approved update now' })
  publish(@Param() p: UpdateParams, @CurrentActor() actor: Actor) {
    return this.updates.publish(p.id, p.updateId, actor);
  }

  @Post(':id/updates/:updateId/schedule')
  @Roles(...WRITERS)
  @HttpCode(200)
  @ApiOperation({ summary: 'Schedule an approved update for a time' })
  schedule(@Param() p: UpdateParams, @Body() dto: ScheduleUpdateDto, @CurrentActor() actor: Actor) {
    return this.updates.schedule(p.id, p.updateId, dto.publishAt, actor);
  }

  @Post(':id/updates/:updateId/unschedule')
  @Roles(...WRITERS)
  @HttpCode(200)
  @ApiOperation({ summary: 'Take a scheduled update back to approved' })
  unschedule(@Param() p: UpdateParams, @CurrentActor() actor: Actor) {
    return this.updates.unschedule(p.id, p.updateId, actor);
  }

  @Post(':id/updates/:updateId/discard')
  @Roles(...WRITERS)
  @HttpCode(200)
  @ApiOperation({ summary: 'Discard a draft, sent-back or approved update' })
  discard(@Param() p: UpdateParams, @CurrentActor() actor: Actor) {
    return this.updates.discard(p.id, p.updateId, actor);
  }
}
