import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../platform/http/actor';
import { CurrentActor, Roles } from '../platform/http/policy.decorators';
import { CreateIncidentDto, PatchIncidentDto, RegulatorNoticeDto } from './dto/incident.dto';
import { IncidentParams, RegulatorParams, ReminderQueryDto, UpdateParams } from './dto/params.dto';
import { CreateUpdateDto, EditUpdateDto, ScheduleUpdateDto } from './dto/update.dto';
import { IncidentUpdatesService } from './incident-updates.service';
import { IncidentsService } from './incidents.service';
import { RemindersService } from './reminders.service';
import { UPDATE_TEMPLATES } from './update-templates';

const ANY_STAFF = ['comms', 'support', 'supervisor', 'admin'] as const;
const WRITERS = ['comms', 'supervisor', 'admin'] as const;

@ApiTags('incidents')
@ApiBearerAuth()
@Controller('incidents')
export class IncidentsController {
  constructor(
    private readonly incidents: IncidentsService,
    private readonly updates: IncidentUpdatesService,
    private readonly reminders: RemindersService,
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
  templates() {
    return UPDATE_TEMPLATES;
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

  @Post(':id/regulator-notices/:kind')
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: 'Record a regulator notification (PECR 24 h, GDPR Art. 33 72 h), once each' })
  recordNotice(@Param() p: RegulatorParams, @Body() dto: RegulatorNoticeDto, @CurrentActor() actor: Actor) {
    return this.incidents.recordRegulatorNotice(p.id, p.kind, dto, actor);
  }

  @Post(':id/updates')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Draft an update (from a template, or a correction of a published one)' })
  draft(@Param() p: IncidentParams, @Body() dto: CreateUpdateDto, @CurrentActor() actor: Actor) {
    return this.updates.draft(p.id, dto, actor);
  }

  @Patch(':id/updates/:updateId')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Edit a draft update' })
  edit(@Param() p: UpdateParams, @Body() dto: EditUpdateDto, @CurrentActor() actor: Actor) {
    return this.updates.edit(p.id, p.updateId, dto, actor);
  }

  /** The incident's approver roles (default supervisor) are checked in the service; never the author. */
  @Post(':id/updates/:updateId/approve')
  @Roles(...WRITERS)
  @HttpCode(200)
  @ApiOperation({
    summary: "Approve a draft (someone other than its author, with one of the incident's approver roles)",
  })
  approve(@Param() p: UpdateParams, @CurrentActor() actor: Actor) {
    return this.updates.approve(p.id, p.updateId, actor);
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
  @ApiOperation({ summary: 'Discard a draft or approved update' })
  discard(@Param() p: UpdateParams, @CurrentActor() actor: Actor) {
    return this.updates.discard(p.id, p.updateId, actor);
  }
}
