import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { IncidentUpdate } from './incident-update.entity';

/** An update as the approvals inbox shows it (waiting for a decider, or sent back to its author). */
export interface UpdateForReview {
  id: string;
  incidentId: string;
  incidentTitle: string;
  body: string;
  approverRoles: string[];
  authorId: string;
  createdAt: Date;
  returnedComment: string | null;
  returnedAt: Date | null;
}

/** The SQL of incident updates (rows come back camelCase: the entity, or aliased columns). */
@Injectable()
export class UpdateRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  find(m: EntityManager, incidentId: string, updateId: string): Promise<IncidentUpdate | null> {
    return m.findOne(IncidentUpdate, { where: { id: updateId, incidentId } });
  }

  get(m: EntityManager, id: string): Promise<IncidentUpdate> {
    return m.findOneOrFail(IncidentUpdate, { where: { id } });
  }

  byId(id: string): Promise<IncidentUpdate | null> {
    return this.db.getRepository(IncidentUpdate).findOne({ where: { id } });
  }

  /** Every scheduled update with its time (the re-drive reads them all: a few at most). */
  scheduled(): Promise<Array<Pick<IncidentUpdate, 'id' | 'scheduledFor'>>> {
    return this.db
      .getRepository(IncidentUpdate)
      .find({ where: { status: 'scheduled' }, select: { id: true, scheduledFor: true } });
  }

  /** Updates in `status` with their incident's title and approver roles, oldest first. */
  forReview(status: 'draft' | 'returned', limit: number): Promise<UpdateForReview[]> {
    return this.db.query(
      `SELECT u.id, u.incident_id AS "incidentId", i.title AS "incidentTitle", u.body,
              i.approver_roles AS "approverRoles", u.created_by AS "authorId", u.created_at AS "createdAt",
              u.returned_comment AS "returnedComment", u.returned_at AS "returnedAt"
         FROM incident_updates u JOIN incidents i ON i.id = u.incident_id
        WHERE u.status = $1 ORDER BY u.created_at, u.id LIMIT $2`,
      [status, limit],
    );
  }

  /** Changes when any incident or update changes (live views compare it to refresh). */
  async changeMarker(): Promise<string> {
    const [r]: Array<{ incidents: string; updates: string }> = await this.db.query(
      `SELECT (SELECT concat(max(updated_at), '/', count(*)) FROM incidents) AS incidents,
              (SELECT concat(max(updated_at), '/', count(*)) FROM incident_updates) AS updates`,
    );
    return `${r.incidents}|${r.updates}`;
  }
}

/** The entity's fields as the table's columns (for `changeState`'s SET), from TypeORM's own mapping. */
export function updateColumns(m: EntityManager, set: Partial<IncidentUpdate>): Record<string, unknown> {
  const meta = m.connection.getMetadata(IncidentUpdate);
  return Object.fromEntries(
    Object.entries(set).map(([field, value]) => {
      const column = meta.findColumnWithPropertyName(field);
      if (!column) throw new Error(`updateColumns: no column for ${field}`);
      return [column.databaseName, value];
    }),
  );
}
