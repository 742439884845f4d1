import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AuditEvent } from './audit-event.entity';
import type { AuditQueryDto } from './dto/audit-query.dto';

/** An audit row as listed: the row and, for staff, who they are by name. */
export type AuditItem = AuditEvent & { actorName: string | null };

/** What a listing filters on (all optional): the query's fields but its page size. */
export type AuditFilter = Omit<AuditQueryDto, 'limit'>;

type NewAuditEvent = Pick<
  AuditEvent,
  | 'actorType'
  | 'actorId'
  | 'actorRole'
  | 'action'
  | 'targetType'
  | 'targetId'
  | 'summary'
  | 'requestId'
  | 'ip'
>;

/** The SQL of the append-only audit trail. */
@Injectable()
export class AuditRepository {
  constructor(@InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>) {}

  /** Appends with the caller's EntityManager, so the row commits or rolls back with the change. */
  async insert(m: EntityManager, row: NewAuditEvent): Promise<void> {
    // the summary is any JSON object; TypeORM's deep-partial type cannot say so
    await m.insert(AuditEvent, row as QueryDeepPartialEntity<AuditEvent>);
  }

  /**
   * Newest first, up to `limit` rows, each staff row with the person's current display name, joined in the
   * same query.
   */
  async page(f: AuditFilter, limit: number): Promise<AuditItem[]> {
    const qb = this.events
      .createQueryBuilder('e')
      // actor_id is text (it also holds 'candor' for the system); compare as text so no row fails a uuid cast
      .leftJoin('staff_users', 'who', "e.actor_type = 'staff' AND who.id::text = e.actor_id")
      .addSelect('who.display_name', 'actor_name')
      .orderBy('e.id', 'DESC')
      .limit(limit);
    if (f.actorId) qb.andWhere('e.actor_id = :actorId', { actorId: f.actorId });
    if (f.action) qb.andWhere('e.action LIKE :action', { action: f.action.replace(/\*$/, '%') });
    if (f.targetType) qb.andWhere('e.target_type = :targetType', { targetType: f.targetType });
    if (f.targetId) qb.andWhere('e.target_id = :targetId', { targetId: f.targetId });
    if (f.from) qb.andWhere('e.at >= :from', { from: f.from });
    if (f.to) qb.andWhere('e.at < :to', { to: f.to });
    if (f.before) qb.andWhere('e.id < :before', { before: f.before });
    const { entities, raw } = await qb.getRawAndEntities<{ e_id: string; actor_name: string | null }>();
    const names = new Map(raw.map((r) => [String(r.e_id), r.actor_name]));
    return entities.map((e) => ({ ...e, actorName: names.get(e.id) ?? null }));
  }
}
