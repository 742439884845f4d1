import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { scrubPii } from '../platform/privacy';
import { Actor } from '../platform/http/actor';
import { AuditEvent } from './audit-event.entity';
import { AuditQueryDto } from './dto/audit-query.dto';

export interface AuditEntry {
  action: string;
  targetType?: string;
  targetId?: string;
  /** What changed; PII is scrubbed before it is stored (the trail is read by many people). */
  summary?: Record<string, unknown>;
}

/** An audit row as listed: the row and, for staff, who they are by name. */
export type AuditItem = AuditEvent & { actorName: string | null };

@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>) {}

  /** Writes the audit row with the caller's EntityManager, so it commits or rolls back with the change. */
  async record(manager: EntityManager, actor: Actor, entry: AuditEntry): Promise<void> {
    await manager.insert(AuditEvent, {
      actorType: actor.type,
      actorId: actor.id ?? null,
      actorRole: actor.role ?? null,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      summary: JSON.parse(scrubPii(JSON.stringify(entry.summary ?? {}))),
      requestId: actor.requestId ?? null,
      ip: actor.ip ?? null,
    });
  }

  /**
   * Newest first, keyset-paged on id (`before` = the last id of the previous page). Staff rows carry the
   * person's current display name (`actorName`, null for other actors or a user since removed), joined in the
   * same query so the console's "Who" column needs no second request.
   */
  async find(q: AuditQueryDto): Promise<{ items: AuditItem[]; nextBefore: string | null }> {
    const limit = q.limit ?? 50;
    const qb = this.events
      .createQueryBuilder('e')
      // actor_id is text (it also holds 'candor' for the system); compare as text so no row fails a uuid cast
      .leftJoin('staff_users', 'who', "e.actor_type = 'staff' AND who.id::text = e.actor_id")
      .addSelect('who.display_name', 'actor_name')
      .orderBy('e.id', 'DESC')
      .limit(limit + 1);
    if (q.actorId) qb.andWhere('e.actor_id = :actorId', { actorId: q.actorId });
    if (q.action) qb.andWhere('e.action LIKE :action', { action: q.action.replace(/\*$/, '%') });
    if (q.targetType) qb.andWhere('e.target_type = :targetType', { targetType: q.targetType });
    if (q.targetId) qb.andWhere('e.target_id = :targetId', { targetId: q.targetId });
    if (q.from) qb.andWhere('e.at >= :from', { from: q.from });
    if (q.to) qb.andWhere('e.at < :to', { to: q.to });
    if (q.before) qb.andWhere('e.id < :before', { before: q.before });
    const { entities, raw } = await qb.getRawAndEntities<{ e_id: string; actor_name: string | null }>();
    const names = new Map(raw.map((r) => [String(r.e_id), r.actor_name]));
    const rows = entities.map((e) => ({ ...e, actorName: names.get(e.id) ?? null }));
    const more = rows.length > limit;
    const items = more ? rows.slice(0, limit) : rows;
    return { items, nextBefore: more ? items[items.length - 1].id : null };
  }
}
