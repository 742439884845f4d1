import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { scrubPii } from '../platform/privacy';
import { Actor } from '../platform/http/actor';
import { AuditItem, AuditRepository } from './audit.repository';
import { AuditQueryDto } from './dto/audit-query.dto';

export interface AuditEntry {
  action: string;
  targetType?: string;
  targetId?: string;
  /** What changed; PII is scrubbed before it is stored (the trail is read by many people). */
  summary?: Record<string, unknown>;
}

@Injectable()
export class AuditService {
  constructor(private readonly events: AuditRepository) {}

  /** Writes the audit row with the caller's EntityManager, so it commits or rolls back with the change. */
  async record(manager: EntityManager, actor: Actor, entry: AuditEntry): Promise<void> {
    await this.events.insert(manager, {
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
    const rows = await this.events.page(q, limit + 1);
    const more = rows.length > limit;
    const items = more ? rows.slice(0, limit) : rows;
    return { items, nextBefore: more ? items[items.length - 1].id : null };
  }
}
