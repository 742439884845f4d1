import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { Actor } from '../platform/http/actor';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../platform/http/domain-error';
import { PUBLIC_TEXT_FIELDS, TextChangeDto } from './dto/incident.dto';
import { IncidentEvents } from './incident-events';
import { IncidentTextChange } from './incident-text-change.entity';
import { Incident } from './incident.entity';
import { IncidentsService, pick } from './incidents.service';
import { changeState } from '../platform/state/state-change';
import { TextChangeForReview, TextChangeRepository } from './text-change.repository';
import { TextChangeEvent, textChangeMachine } from './text-change-state';
import { approvalRefusal } from './update-state';

/**
 * Changes to a public incident's text (F2): proposed by one person, applied or rejected with a reason by a
 * second person with an approver role; the author may discard their own. Each decision is a conditional
 * UPDATE from `draft` (text-change-state.ts, `changeState`), so two deciders at once have one winner.
 */
@Injectable()
export class IncidentTextChangesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly incidents: IncidentsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly events: IncidentEvents,
    private readonly changes: TextChangeRepository,
  ) {}

  /** Proposals waiting for a second person, oldest first (the approvals inbox). */
  awaiting(limit = 200): Promise<TextChangeForReview[]> {
    return this.changes.awaiting(limit);
  }

  /** Proposals rejected since `since` (their authors' "sent back to you" list). */
  rejectedSince(since: Date, limit = 200): Promise<TextChangeForReview[]> {
    return this.changes.rejectedSince(since, limit);
  }

  /** Proposes new public text for an incident (checked now, so the author sees any refusal as they save). */
  async propose(id: string, dto: TextChangeDto, actor: Actor): Promise<IncidentTextChange> {
    const fields = pick(dto, PUBLIC_TEXT_FIELDS) as Record<string, string | string[]>;
    if (!Object.keys(fields).length)
      throw new InvalidInput('Validation failed', [
        { field: 'fields', messages: [`change at least one of ${PUBLIC_TEXT_FIELDS.join(', ')}`] },
      ]);
    this.incidents.guardPublicText(fields);
    return this.db.transaction(async (m) => {
      await this.incidents.get(id, m);
      const saved = await m.save(
        m.create(IncidentTextChange, { incidentId: id, status: 'draft', fields, createdBy: actor.id! }),
      );
      await this.record(m, actor, 'draft', id, { changeId: saved.id, fields: Object.keys(fields) });
      return saved;
    });
  }

  /** A second person with an approver role applies a proposed text change (checked again). */
  async approve(id: string, changeId: string, actor: Actor): Promise<Incident> {
    const incident = await this.db.transaction(async (m) => {
      const found = await this.incidents.lockIncident(m, id);
      const change = await this.decidable(m, found, changeId, actor);
      this.incidents.guardPublicText(change.fields);
      const moved = await this.move(m, change, 'apply', actor, {
        set: { approved_by: actor.id, applied_at: this.clock.now() },
        summary: { fields: Object.keys(change.fields), author: change.createdBy },
      });
      if (!moved) throw new Conflict('the text change changed meanwhile; reload it');
      Object.assign(found, change.fields);
      return m.save(found);
    });
    await this.events.emit({ type: 'changed', incidentId: id });
    return incident;
  }

  /** A second person with an approver role turns a proposed change down for good, saying why. */
  async reject(id: string, changeId: string, reason: string, actor: Actor): Promise<IncidentTextChange> {
    return this.db.transaction(async (m) => {
      const incident = await this.incidents.get(id, m);
      const change = await this.decidable(m, incident, changeId, actor);
      const moved = await this.move(m, change, 'reject', actor, {
        set: { rejected_reason: reason, rejected_by: actor.id, rejected_at: this.clock.now() },
        summary: { reason, author: change.createdBy },
      });
      if (!moved) throw new Conflict('the text change changed meanwhile; reload it');
      return this.changes.get(m, changeId);
    });
  }

  /** The author withdraws their own proposal (a decider rejects it with a reason instead). */
  async discard(id: string, changeId: string, actor: Actor): Promise<IncidentTextChange> {
    return this.db.transaction(async (m) => {
      const change = await this.find(m, id, changeId);
      if (change.createdBy !== actor.id)
        throw new Forbidden('Only its author may discard a text change; reject it with a reason instead');
      if (!(await this.move(m, change, 'discard', actor, {})))
        throw new Conflict('no draft text change with this id for this incident');
      return this.changes.get(m, changeId);
    });
  }

  /** A draft change this actor may decide: a second person with one of the incident's approver roles. */
  private async decidable(m: EntityManager, incident: Incident, changeId: string, actor: Actor) {
    const change = await this.find(m, incident.id, changeId);
    if (change.status !== 'draft') throw new Conflict(`the text change is already ${change.status}`);
    const refusal = approvalRefusal(
      { id: actor.id!, role: actor.role! },
      change.createdBy,
      incident.approverRoles,
    );
    if (refusal) throw new Forbidden(refusal.replace('an update', 'a text change'));
    return change;
  }

  private async find(m: EntityManager, id: string, changeId: string): Promise<IncidentTextChange> {
    const change = await this.changes.find(m, id, changeId);
    if (!change) throw new NotFound('No such text change for this incident');
    return change;
  }

  /**
   * A decision as the conditional UPDATE from `draft` and its audit row (on the incident, naming the change);
   * false when someone else decided it first.
   */
  private move(
    m: EntityManager,
    change: IncidentTextChange,
    event: TextChangeEvent,
    actor: Actor,
    opts: { set?: Record<string, unknown>; summary?: Record<string, unknown> },
  ): Promise<boolean> {
    const to = textChangeMachine.next(change.status, event);
    if (!to) return Promise.resolve(false);
    return changeState(m, this.audit, {
      table: 'incident_text_changes',
      id: change.id,
      from: textChangeMachine.from(event),
      to,
      set: opts.set,
      audit: {
        actor,
        action: `incident.text_change.${event}`,
        targetType: 'incident',
        targetId: change.incidentId,
        summary: { changeId: change.id, ...opts.summary },
      },
    });
  }

  private record(m: EntityManager, actor: Actor, what: string, id: string, summary: Record<string, unknown>) {
    return this.audit.record(m, actor, {
      action: `incident.text_change.${what}`,
      targetType: 'incident',
      targetId: id,
      summary,
    });
  }
}
