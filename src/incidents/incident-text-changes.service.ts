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
import { approvalRefusal } from './update-state';

/**
 * Changes to a public incident's text (F2): proposed by one person, applied or rejected with a reason by a
 * second person with an approver role; the author may discard their own. Each decision is a conditional
 * UPDATE from `draft`, so two deciders at once have one winner.
 */
@Injectable()
export class IncidentTextChangesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly incidents: IncidentsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly events: IncidentEvents,
  ) {}

  /** Proposals waiting for a second person, oldest first (the approvals inbox). */
  awaiting(limit = 200) {
    return this.select(`c.status = 'draft'`, [limit]);
  }

  /** Proposals rejected since `since` (their authors' "sent back to you" list). */
  rejectedSince(since: Date, limit = 200) {
    return this.select(`c.status = 'rejected' AND c.rejected_at > $2`, [limit, since]);
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
      const [, n] = await m.query(
        `UPDATE incident_text_changes SET status = 'applied', approved_by = $2, applied_at = $3
          WHERE id = $1 AND status = 'draft'`,
        [changeId, actor.id, this.clock.now()],
      );
      if (!n) throw new Conflict('the text change changed meanwhile; reload it');
      Object.assign(found, change.fields);
      const saved = await m.save(found);
      await this.record(m, actor, 'apply', id, {
        changeId,
        fields: Object.keys(change.fields),
        author: change.createdBy,
      });
      return saved;
    });
    await this.events.emit({ type: 'changed', incidentId: id });
    return incident;
  }

  /** A second person with an approver role turns a proposed change down for good, saying why. */
  async reject(id: string, changeId: string, reason: string, actor: Actor): Promise<IncidentTextChange> {
    return this.db.transaction(async (m) => {
      const incident = await this.incidents.get(id, m);
      const change = await this.decidable(m, incident, changeId, actor);
      const [, n] = await m.query(
        `UPDATE incident_text_changes SET status = 'rejected', rejected_reason = $2, rejected_by = $3,
                rejected_at = $4
          WHERE id = $1 AND status = 'draft'`,
        [changeId, reason, actor.id, this.clock.now()],
      );
      if (!n) throw new Conflict('the text change changed meanwhile; reload it');
      await this.record(m, actor, 'reject', id, { changeId, reason, author: change.createdBy });
      return m.findOneByOrFail(IncidentTextChange, { id: changeId });
    });
  }

  /** The author withdraws their own proposal (a decider rejects it with a reason instead). */
  async discard(id: string, changeId: string, actor: Actor): Promise<IncidentTextChange> {
    return this.db.transaction(async (m) => {
      const change = await this.find(m, id, changeId);
      if (change.createdBy !== actor.id)
        throw new Forbidden('Only its author may discard a text change; reject it with a reason instead');
      const [, n] = await m.query(
        `UPDATE incident_text_changes SET status = 'discarded' WHERE id = $1 AND status = 'draft'`,
        [changeId],
      );
      if (!n) throw new Conflict('no draft text change with this id for this incident');
      await this.record(m, actor, 'discard', id, { changeId });
      return m.findOneByOrFail(IncidentTextChange, { id: changeId });
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

  private async select(where: string, params: unknown[]) {
    const rows: any[] = await this.db.query(
      `SELECT c.id, c.incident_id, i.title, c.fields, i.approver_roles, c.created_by, c.created_at,
              c.rejected_reason, c.rejected_at
         FROM incident_text_changes c JOIN incidents i ON i.id = c.incident_id
        WHERE ${where} ORDER BY c.created_at, c.id LIMIT $1`,
      params,
    );
    return rows.map((r) => ({
      id: r.id as string,
      incidentId: r.incident_id as string,
      incidentTitle: r.title as string,
      fields: r.fields as Record<string, string | string[]>,
      approverRoles: r.approver_roles as string[],
      authorId: r.created_by as string,
      createdAt: new Date(r.created_at),
      rejectedReason: r.rejected_reason as string | null,
      rejectedAt: r.rejected_at ? new Date(r.rejected_at) : null,
    }));
  }

  private async find(m: EntityManager, id: string, changeId: string): Promise<IncidentTextChange> {
    const change = await m.findOne(IncidentTextChange, { where: { id: changeId, incidentId: id } });
    if (!change) throw new NotFound('No such text change for this incident');
    return change;
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
