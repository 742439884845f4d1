import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { IncidentStatus } from './incident.entity';
import type { UpdateTemplate } from './update-templates';

/** One stored version of a template. */
export interface UpdateTemplateVersion extends UpdateTemplate {
  retired: boolean;
  createdBy: string;
  createdAt: Date;
}

export interface NewTemplateVersion {
  incidentStatus: IncidentStatus | null;
  body: string;
  bodyCy: string;
  retired: boolean;
  createdBy: string | null;
}

const COLUMNS = `key, version, incident_status AS "incidentStatus", body, body_cy AS "bodyCy", retired,
  created_by AS "createdBy", created_at AS "createdAt"`;

/** The SQL of update templates: versioned rows, the newest version of a key in force. */
@Injectable()
export class UpdateTemplatesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The newest version of every key (retired ones included). */
  latest(m: EntityManager = this.db.manager): Promise<UpdateTemplateVersion[]> {
    return m.query(`SELECT DISTINCT ON (key) ${COLUMNS} FROM update_templates ORDER BY key, version DESC`);
  }

  versions(key: string): Promise<UpdateTemplateVersion[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM update_templates WHERE key = $1 ORDER BY version DESC`, [
      key,
    ]);
  }

  /**
   * Inserts the next version of `key` and returns it; saves of one key are serialised for the rest of the
   * transaction (an advisory lock), so two at once get consecutive versions.
   */
  async insertNext(m: EntityManager, key: string, v: NewTemplateVersion): Promise<UpdateTemplateVersion> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('update_templates:' || $1))`, [key]);
    const [{ version }]: Array<{ version: number }> = await m.query(
      `SELECT coalesce(max(version), 0) + 1 AS version FROM update_templates WHERE key = $1`,
      [key],
    );
    const [row]: UpdateTemplateVersion[] = await m.query(
      `INSERT INTO update_templates (key, version, incident_status, body, body_cy, retired, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [key, version, v.incidentStatus, v.body, v.bodyCy, v.retired, v.createdBy],
    );
    return row;
  }

  async exists(key: string): Promise<boolean> {
    const [row] = await this.db.query(`SELECT 1 FROM update_templates WHERE key = $1 LIMIT 1`, [key]);
    return !!row;
  }
}
