import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
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
  list() {
    return this.incidents.list();
  }

  @Post()
  @Roles(...WRITERS)
  create(@Body() dto: CreateIncidentDto, @CurrentActor() actor: Actor) {
    return this.incidents.create(dto, actor);
  }

  @Get('update-templates')
  @Roles(...ANY_STAFF)
  templates() {
    return UPDATE_TEMPLATES;
  }

  /** Cadence reminders that fired (newest first), for the on-duty dashboard. */
  @Get('reminders')
  @Roles(...ANY_STAFF)
  listReminders(@Query() q: ReminderQueryDto) {
    return this.reminders.list(q.incidentId);
  }

  @Get(':id')
  @Roles(...ANY_STAFF)
  get(@Param() p: IncidentParams) {
    return this.incidents.detail(p.id);
  }

  @Patch(':id')
  @Roles(...WRITERS)
  patch(@Param() p: IncidentParams, @Body() dto: PatchIncidentDto, @CurrentActor() actor: Actor) {
    return this.incidents.patch(p.id, dto, actor);
  }

  @Post(':id/regulator-notices/:kind')
  @Roles('supervisor', 'admin')
  recordNotice(@Param() p: RegulatorParams, @Body() dto: RegulatorNoticeDto, @CurrentActor() actor: Actor) {
    return this.incidents.recordRegulatorNotice(p.id, p.kind, dto, actor);
  }

  @Post(':id/updates')
  @Roles(...WRITERS)
  draft(@Param() p: IncidentParams, @Body() dto: CreateUpdateDto, @CurrentActor() actor: Actor) {
    return this.updates.draft(p.id, dto, actor);
  }

  @Patch(':id/updates/:updateId')
  @Roles(...WRITERS)
  edit(@Param() p: UpdateParams, @Body() dto: EditUpdateDto, @CurrentActor() actor: Actor) {
    return this.updates.edit(p.id, p.updateId, dto, actor);
  }

  /** The incident's approver roles (default supervisor) are checked in the service; never the author. */
  @Post(':id/updates/:updateId/approve')
  @Roles(...WRITERS)
  @HttpCode(200)
  approve(@Param() p: UpdateParams, @CurrentActor() actor: Actor) {
    return this.updates.approve(p.id, p.updateId, actor);
  }

  @Post(':id/updates/:updateId/publish')
  @Roles(...WRITERS)
  @HttpCode(200)
  publish(@Param() p: UpdateParams, @CurrentActor() actor: Actor) {
    return this.updates.publish(p.id, p.updateId, actor);
  }

  @Post(':id/updates/:updateId/schedule')
  @Roles(...WRITERS)
  @HttpCode(200)
  schedule(@Param() p: UpdateParams, @Body() dto: ScheduleUpdateDto, @CurrentActor() actor: Actor) {
    return this.updates.schedule(p.id, p.updateId, dto.publishAt, actor);
  }

  @Post(':id/updates/:updateId/unschedule')
  @Roles(...WRITERS)
  @HttpCode(200)
  unschedule(@Param() p: UpdateParams, @CurrentActor() actor: Actor) {
    return this.updates.unschedule(p.id, p.updateId, actor);
  }

  @Post(':id/updates/:updateId/discard')
  @Roles(...WRITERS)
  @HttpCode(200)
  discard(@Param() p: UpdateParams, @CurrentActor() actor: Actor) {
    return this.updates.discard(p.id, p.updateId, actor);
  }
}
