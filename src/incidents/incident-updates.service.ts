import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from '../platform/http/actor';
import { Clock } from '../platform/clock/clock';
import { DurableWork } from '../platform/queue/durable-work';
import { defaultNextUpdateBy } from './cadence';
import { CreateUpdateDto, EditUpdateDto } from './dto/update.dto';
import { IncidentEvents } from './incident-events';
import { IncidentUpdate } from './incident-update.entity';
import { Incident } from './incident.entity';
import { IncidentsService } from './incidents.service';
import { isStatusBack } from './public-incident';
import { UpdateRepository } from './update.repository';
import { UpdateTransitions } from './update-transitions';
import { fillTemplate } from './update-templates';
import { InvalidInput, Unprocessable } from '../platform/http/domain-error';
import { UpdateTemplatesService } from './update-templates.service';

export type ScheduledOutcome = 'published' | 'noop' | 'refused' | { early: Date };

const MAX_SCHEDULE_AHEAD_MS = 30 * 24 * 3600_000;
/** Due updates one sweep publishes itself (the rest wait for the next sweep, seconds later). */
const REDRIVE_PUBLISH_MAX = 200;

/**
 * Drafting, approving, scheduling and publishing incident updates. Every transition is a conditional
 * UPDATE on the current state (update-state.ts), so a double click, two approvers or a scheduler racing a
 * person can never publish twice.
 */
@Injectable()
export class IncidentUpdatesService {
  private readonly logger = new Logger(IncidentUpdatesService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly work: DurableWork,
    private readonly incidents: IncidentsService,
    private readonly store: UpdateTransitions,
    private readonly updates: UpdateRepository,
    private readonly clock: Clock,
    private readonly events: IncidentEvents,
    private readonly templates: UpdateTemplatesService,
  ) {}

  async draft(incidentId: string, dto: CreateUpdateDto, actor: Actor): Promise<IncidentUpdate> {
    return this.db.transaction(async (m) => {
      const incident = await this.incidents.get(incidentId, m);
      const template = dto.template
        ? fillTemplate(
            await this.templates.get(dto.template, m),
            incident.affectedServices,
            incident.affectedServicesCy,
          )
        : undefined;
      const corrected = dto.correctsId ? await this.correctable(m, incidentId, dto.correctsId) : undefined;
      const body = dto.body ?? template?.body;
      if (!body)
        throw new InvalidInput('Validation failed', [
          { field: 'body', messages: ['body or template is required'] },
        ]);
      const bodyCy = dto.bodyCy ?? template?.bodyCy ?? null;
      // The privacy check runs as the author saves, so they (not the approver) see what to fix.
      this.incidents.guardPublicText({ body, bodyCy });
      // A template never moves the status backwards: only the author's explicit choice does.
      const fromTemplate =
        template?.incidentStatus && !isStatusBack(incident.status, template.incidentStatus)
          ? template.incidentStatus
          : undefined;
      const saved = await m.save(
        m.create(IncidentUpdate, {
          incidentId,
          status: 'draft',
          // A correction revises text only; it never changes the incident's status.
          incidentStatus: corrected?.incidentStatus ?? dto.incidentStatus ?? fromTemplate ?? incident.status,
          body,
          bodyCy,
          correctsId: corrected?.id ?? null,
          nextUpdateBy: corrected ? null : this.promise(dto.nextUpdateBy),
          createdBy: actor.id!,
        }),
      );
      await this.store.record(m, saved, {
        actor,
        what: 'draft',
        extra: { template: dto.template, templateVersion: template?.version, correctsId: saved.correctsId },
      });
      return this.withWarnings(saved, incident);
    });
  }

  async edit(
    incidentId: string,
    updateId: string,
    dto: EditUpdateDto,
    actor: Actor,
  ): Promise<IncidentUpdate> {
    return this.db.transaction(async (m) => {
      const u = await this.store.find(m, incidentId, updateId);
      this.incidents.guardPublicText({ body: dto.body, bodyCy: dto.bodyCy });
      const set: Partial<IncidentUpdate> = {};
      if (dto.body !== undefined) set.body = dto.body;
      if (dto.bodyCy !== undefined) set.bodyCy = dto.bodyCy;
      if (dto.incidentStatus !== undefined && !u.correctsId) set.incidentStatus = dto.incidentStatus;
      if (dto.nextUpdateBy !== undefined && !u.correctsId) set.nextUpdateBy = this.promise(dto.nextUpdateBy);
      const fields = Object.keys(set);
      // Editing a returned update resubmits it: the comment was answered (the audit trail keeps it).
      if (u.status === 'returned')
        Object.assign(set, { returnedComment: null, returnedBy: null, returnedAt: null });
      const updated = await this.store.move(m, u, 'edit', set, {
        actor,
        what: 'edit',
        extra: { fields, resubmitted: u.status === 'returned' },
      });
      return this.withWarnings(updated, await this.incidents.get(incidentId, m));
    });
  }

  async approve(incidentId: string, updateId: string, actor: Actor): Promise<IncidentUpdate> {
    return this.db.transaction(async (m) => {
      const { u, incident } = await this.store.forDecision(m, incidentId, updateId, actor);
      this.guard(u);
      const updated = await this.store.move(
        m,
        u,
        'approve',
        { approvedBy: actor.id!, approvedAt: this.clock.now() },
        { actor, what: 'approve', extra: { missingWelsh: !u.bodyCy } },
      );
      return this.withWarnings(updated, incident);
    });
  }

  async discard(incidentId: string, updateId: string, actor: Actor): Promise<IncidentUpdate> {
    return this.db.transaction(async (m) => {
      const u = await this.store.find(m, incidentId, updateId);
      return this.store.move(m, u, 'discard', {}, { actor, what: 'discard' });
    });
  }

  /** Publishes an approved update now. */
  async publish(incidentId: string, updateId: string, actor: Actor): Promise<IncidentUpdate> {
    const published = await this.db.transaction(async (m) => {
      const incident = await this.incidents.lockIncident(m, incidentId);
      const u = await this.store.find(m, incidentId, updateId);
      return this.publishLocked(m, incident, u, 'publish', actor);
    });
    await this.announce(published);
    return published;
  }

  async schedule(
    incidentId: string,
    updateId: string,
    publishAt: string,
    actor: Actor,
  ): Promise<IncidentUpdate> {
    const at = new Date(publishAt);
    const ahead = at.getTime() - this.clock.now().getTime();
    if (ahead <= 0 || ahead > MAX_SCHEDULE_AHEAD_MS)
      throw new Unprocessable('publishAt must be in the future and within 30 days');
    // The row is the record; the job only carries the work. If the add fails (503, Redis down), the sweep
    // publishes the update at its time anyway.
    return this.work.transaction(async (m) => {
      const u = await this.store.find(m, incidentId, updateId);
      this.guard(u);
      if (u.nextUpdateBy && u.nextUpdateBy <= at)
        throw new Unprocessable('nextUpdateBy must be after the scheduled publication time');
      const scheduled = await this.store.move(
        m,
        u,
        'schedule',
        { scheduledFor: at },
        { actor, what: 'schedule', extra: { publishAt: at.toISOString() } },
      );
      this.work.afterCommit(m, 'incidents.publish', this.publishJob(scheduled.id, at));
      return scheduled;
    });
  }

  async unschedule(incidentId: string, updateId: string, actor: Actor): Promise<IncidentUpdate> {
    const updated = await this.db.transaction(async (m) => {
      const u = await this.store.find(m, incidentId, updateId);
      return this.store.move(m, u, 'unschedule', { scheduledFor: null }, { actor, what: 'unschedule' });
    });
    // An orphan job finds the update not scheduled and does nothing; removing it is only tidiness.
    await this.work
      .queue('incidents.publish')
      .remove(updated.id)
      .catch(() => 0);
    return updated;
  }

  /**
   * The scheduler's publication: at most once, whoever calls it and however often (the conditional UPDATE
   * from 'scheduled' decides). Returns `early` with the stored time when it has not come yet.
   */
  async publishScheduled(updateId: string): Promise<ScheduledOutcome> {
    const u = await this.updates.byId(updateId);
    if (!u || u.status !== 'scheduled') return 'noop';
    if (u.scheduledFor!.getTime() > this.clock.now().getTime()) return { early: u.scheduledFor! };
    try {
      const published = await this.db.transaction(async (m) => {
        const incident = await this.incidents.lockIncident(m, u.incidentId);
        const fresh = await this.store.find(m, u.incidentId, updateId);
        if (fresh.status !== 'scheduled') return null;
        return this.publishLocked(m, incident, fresh, 'fire', SYSTEM_ACTOR);
      });
      if (!published) return 'noop';
      await this.announce(published);
      return 'published';
    } catch (e) {
      if (!(e instanceof Unprocessable)) throw e;
      // Refused by the guard at the last moment (e.g. the pattern changed): back to approved, for a person.
      this.logger.error(`scheduled update ${updateId} refused at publication: ${e.message}`);
      await this.db.transaction(async (m) => {
        const fresh = await this.store.find(m, u.incidentId, updateId);
        await this.store.move(
          m,
          fresh,
          'unschedule',
          { scheduledFor: null },
          { actor: SYSTEM_ACTOR, what: 'publish_refused', extra: { reason: e.message } },
        );
      });
      return 'refused';
    }
  }

  /**
   * The re-drive rule (run by the one sweep): the row is the truth. A scheduled update that is due is published
   * here and now, whatever became of its job (failed its attempts during an outage, removed, lost with Redis);
   * one not yet due gets its job back if the job is missing or finished. Returns how many it acted on.
   */
  async redriveScheduled(): Promise<number> {
    const now = this.clock.now();
    const rows = await this.updates.scheduled();
    const due = rows.filter((r) => r.scheduledFor! <= now).slice(0, REDRIVE_PUBLISH_MAX);
    let published = 0;
    for (const r of due) if ((await this.publishScheduled(r.id)) === 'published') published++;
    const ahead = rows.filter((r) => r.scheduledFor! > now);
    const added = await this.work.ensureJobs(
      'incidents.publish',
      ahead.map((r) => ({ ...this.publishJob(r.id, r.scheduledFor!), jobId: r.id })),
    );
    return published + added;
  }

  /** jobId = update id: adding the same publication twice adds one job. */
  private publishJob(updateId: string, at: Date) {
    return { data: { updateId }, jobId: updateId, delay: at.getTime() - this.clock.now().getTime() };
  }

  private async publishLocked(
    m: EntityManager,
    incident: Incident,
    u: IncidentUpdate,
    event: 'publish' | 'fire',
    actor: Actor,
  ): Promise<IncidentUpdate> {
    this.guard(u);
    const now = this.clock.now();
    if (u.nextUpdateBy && u.nextUpdateBy <= now)
      throw new Unprocessable('nextUpdateBy is in the past; edit it before publishing');
    const resolves = u.incidentStatus === 'resolved';
    const cadence = {
      minutes: incident.cadenceMinutes,
      fastForHours: incident.cadenceFastHours,
      slowMinutes: incident.cadenceSlowMinutes,
    };
    const nextUpdateBy =
      u.correctsId || resolves
        ? null
        : (u.nextUpdateBy ?? defaultNextUpdateBy(cadence, incident.detectedAt, now));
    const published = await this.store.move(
      m,
      u,
      event,
      {
        publishedAt: now,
        publishedBy: actor.type === 'staff' ? actor.id! : null,
        nextUpdateBy,
        statusFrom: incident.status,
      },
      {
        actor,
        what: 'publish',
        extra: {
          incidentStatus: u.incidentStatus,
          statusBackFrom: isStatusBack(incident.status, u.incidentStatus) ? incident.status : null,
          nextUpdateBy: nextUpdateBy?.toISOString() ?? null,
          correctsId: u.correctsId,
          scheduled: event === 'fire',
        },
      },
    );
    if (!u.correctsId) {
      await m.update(
        Incident,
        { id: incident.id },
        {
          status: u.incidentStatus,
          resolvedAt: resolves ? now : null,
        },
      );
    }
    return published;
  }

  private async announce(u: IncidentUpdate): Promise<void> {
    await this.events.emit({ type: 'published', incidentId: u.incidentId, updateId: u.id });
  }

  private async correctable(m: EntityManager, incidentId: string, id: string): Promise<IncidentUpdate> {
    const original = await this.updates.find(m, incidentId, id);
    if (!original || original.status !== 'published')
      throw new Unprocessable('correctsId must be a published update of this incident');
    // A correction of a correction revises the same original: the public page shows one chain.
    return original.correctsId ? this.correctable(m, incidentId, original.correctsId) : original;
  }

  /**
   * What the author and approver should see before it goes out: a move back of the status (deliberate, and
   * shown on the page as such) and a missing Welsh text (Welsh readers would get English).
   */
  private withWarnings(u: IncidentUpdate, incident: Incident) {
    const warnings: string[] = [];
    if (!u.correctsId && isStatusBack(incident.status, u.incidentStatus))
      warnings.push(
        `moves the status back from ${incident.status} to ${u.incidentStatus}; the page will say so`,
      );
    if (!u.bodyCy) warnings.push('no Welsh text: Welsh readers will see the English text');
    return Object.assign(u, { warnings });
  }

  private guard(u: IncidentUpdate): void {
    this.incidents.guardPublicText({ body: u.body, bodyCy: u.bodyCy });
  }

  private promise(v: string | undefined): Date | null {
    if (v === undefined) return null;
    const d = new Date(v);
    if (d <= this.clock.now()) throw new Unprocessable('nextUpdateBy must be in the future');
    return d;
  }
}
