import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../platform/http/actor';
import { Conflict, Forbidden, NotFound } from '../platform/http/domain-error';
import { IncidentUpdate } from './incident-update.entity';
import { Incident } from './incident.entity';
import { IncidentsService } from './incidents.service';
import { approvalRefusal, UpdateEvent, updateMachine } from './update-state';

/**
 * The row operations every update use case shares (drafting and publishing in IncidentUpdatesService,
 * the decisions in UpdateReviewService): find one (and check who may decide it), move it along the state machine,
 * audit it.
 */
@Injectable()
export class UpdateStore {
  constructor(
    private readonly audit: AuditService,
    private readonly incidents: IncidentsService,
  ) {}

  /** Applies a state-machine event as a conditional UPDATE; 409 when someone else moved it first. */
  async move(
    m: EntityManager,
    u: IncidentUpdate,
    event: UpdateEvent,
    set: Partial<IncidentUpdate>,
  ): Promise<IncidentUpdate> {
    const to = updateMachine.next(u.status, event);
    if (!to) throw new Conflict(updateMachine.refusal('update', u.status, event));
    const res = await m
      .createQueryBuilder()
      .update(IncidentUpdate)
      .set({ ...set, status: to })
      .where('id = :id AND status IN (:...from)', { id: u.id, from: updateMachine.from(event) })
      .execute();
    if (!res.affected) throw new Conflict(`the update changed meanwhile; reload it (${event} refused)`);
    return m.findOneOrFail(IncidentUpdate, { where: { id: u.id } });
  }

  async find(m: EntityManager, incidentId: string, updateId: string): Promise<IncidentUpdate> {
    const u = await m.findOne(IncidentUpdate, { where: { id: updateId, incidentId } });
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

  record(
    m: EntityManager,
    actor: Actor,
    what: string,
    u: IncidentUpdate,
    extra: Record<string, unknown> = {},
  ) {
    return this.audit.record(m, actor, {
      action: `incident.update.${what}`,
      targetType: 'incident_update',
      targetId: u.id,
      summary: { incidentId: u.incidentId, status: u.status, ...extra },
    });
  }
}
