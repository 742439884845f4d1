import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../platform/http/actor';
import { Conflict, Forbidden, NotFound } from '../platform/http/domain-error';
import { changeState, sqlValue } from '../platform/state/state-change';
import { IncidentUpdate } from './incident-update.entity';
import { Incident } from './incident.entity';
import { IncidentsService } from './incidents.service';
import { UpdateRepository, updateColumns } from './update.repository';
import { approvalRefusal, UpdateEvent, updateMachine } from './update-state';

/** The audit entry of a move: `incident.update.<what>`, with what the use case adds to the summary. */
export interface UpdateAudit {
  actor: Actor;
  what: string;
  extra?: Record<string, unknown>;
}

/**
 * What every update use case shares (drafting and publishing in IncidentUpdatesService, the decisions in
 * UpdateReviewService): find one (and check who may decide it), move it along the state machine with its
 * audit row (`changeState`), audit a new one.
 */
@Injectable()
export class UpdateTransitions {
  constructor(
    private readonly audit: AuditService,
    private readonly incidents: IncidentsService,
    private readonly updates: UpdateRepository,
  ) {}

  /**
   * Applies a state-machine event as the conditional UPDATE from the event's origins, audited in the same
   * transaction; 409 when the machine refuses it or someone else moved the update first. Returns the row as moved.
   */
  async move(
    m: EntityManager,
    u: IncidentUpdate,
    event: UpdateEvent,
    set: Partial<IncidentUpdate>,
    audit: UpdateAudit,
  ): Promise<IncidentUpdate> {
    const to = updateMachine.next(u.status, event);
    if (!to) throw new Conflict(updateMachine.refusal('update', u.status, event));
    const moved = await changeState(m, this.audit, {
      table: 'incident_updates',
      id: u.id,
      from: updateMachine.from(event),
      to,
      set: { ...updateColumns(m, set), updated_at: sqlValue('now()') },
      audit: {
        actor: audit.actor,
        action: `incident.update.${audit.what}`,
        targetType: 'incident_update',
        // `from` is the state this update was in (the UPDATE accepts any origin of the event)
        summary: { from: u.status, incidentId: u.incidentId, status: to, ...audit.extra },
      },
    });
    if (!moved) throw new Conflict(`the update changed meanwhile; reload it (${event} refused)`);
    return this.updates.get(m, u.id);
  }

  async find(m: EntityManager, incidentId: string, updateId: string): Promise<IncidentUpdate> {
    const u = await this.updates.find(m, incidentId, updateId);
    if (!u) throw new NotFound('No such update for this incident');
    return u;
  }

  /** The update and its incident, when `actor` may decide it: approve or send back (never its author). */
  async forDecision(
    m: EntityManager,
    incidentId: string,
    updateId: string,
    actor: Actor,
  ): Promise<{ u: IncidentUpdate; incident: Incident }> {
    const u = await this.find(m, incidentId, updateId);
    const incident = await this.incidents.get(incidentId, m);
    const refusal = approvalRefusal(
      { id: actor.id!, role: actor.role! },
      u.createdBy,
      incident.approverRoles,
    );
    if (refusal) throw new Forbidden(refusal);
    return { u, incident };
  }

  /** The audit row of a step that moves no state (a new draft). */
  record(m: EntityManager, u: IncidentUpdate, audit: UpdateAudit) {
    return this.audit.record(m, audit.actor, {
      action: `incident.update.${audit.what}`,
      targetType: 'incident_update',
      targetId: u.id,
      summary: { incidentId: u.incidentId, status: u.status, ...audit.extra },
    });
  }
}
