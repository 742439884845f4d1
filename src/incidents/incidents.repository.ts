import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Impact, Incident, IncidentStatus } from './incident.entity';
import type { PublishedRow } from './public-incident';

/** A personal-data breach with its regulator notifications folded into text (the breach log's row). */
export interface BreachLogRow {
  id: string;
  title: string;
  impact: Impact;
  status: IncidentStatus;
  detectedAt: Date;
  becameAwareAt: Date | null;
  exposureFrom: Date | null;
  exposureTo: Date | null;
  regulatorRules: string[];
  resolvedAt: Date | null;
  notices: string;
  delayReasons: string;
}

/** The SQL of incidents that is more than an entity read (rows come back camelCase). */
@Injectable()
export class IncidentsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Public once any update was published. */
  async isPublic(m: EntityManager, id: string): Promise<boolean> {
    const [row] = await m.query(
      `SELECT 1 FROM incident_updates WHERE incident_id = $1 AND status = 'published' LIMIT 1`,
      [id],
    );
    return !!row;
  }

  /** An active member of staff who writes updates (comms, supervisor or admin). */
  async isActiveWriter(m: EntityManager, userId: string): Promise<boolean> {
    const [ok] = await m.query(
      `SELECT 1 FROM staff_users WHERE id = $1 AND active AND role IN ('comms', 'supervisor', 'admin')`,
      [userId],
    );
    return !!ok;
  }

  /**
   * Published updates of the incidents the status page shows (open, or resolved in the 90 days before `now`),
   * newest incident first, each incident's updates oldest first.
   */
  published(now: Date): Promise<PublishedRow[]> {
    return this.db.query(
      `SELECT i.id, i.title, i.title_cy AS "titleCy", i.summary, i.summary_cy AS "summaryCy", i.advice,
              i.advice_cy AS "adviceCy", i.impact, i.status, i.detected_at AS "detectedAt",
              i.resolved_at AS "resolvedAt", i.affected_services AS "affectedServices",
              i.affected_services_cy AS "affectedServicesCy", i.personal_data_breach AS "personalDataBreach",
              i.help_blocks AS "helpBlocks",
              u.id AS "updateId", u.incident_status AS "updateIncidentStatus", u.status_from AS "updateStatusFrom",
              u.body AS "updateBody", u.body_cy AS "updateBodyCy", u.published_at AS "updatePublishedAt",
              u.next_update_by AS "updateNextUpdateBy", u.corrects_id AS "updateCorrectsId"
         FROM incidents i
         JOIN incident_updates u ON u.incident_id = i.id AND u.status = 'published'
        WHERE i.resolved_at IS NULL OR i.resolved_at > $1::timestamptz - interval '90 days'
        ORDER BY i.detected_at DESC, u.published_at ASC`,
      [now], // resolved_at is Clock time
    );
  }

  /** An incident the public can see (at least one published update), or null. */
  async findPublic(id: string): Promise<Incident | null> {
    const found = await this.db
      .getRepository(Incident)
      .createQueryBuilder('i')
      .where('i.id = :id', { id })
      .andWhere(
        `EXISTS (SELECT 1 FROM incident_updates u WHERE u.incident_id = i.id AND u.status = 'published')`,
      )
      .getOne();
    return found ?? null;
  }

  /** Ids of the updates published since `since`. */
  async publishedSince(since: Date): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM incident_updates WHERE status = 'published' AND published_at > $1`,
      [since],
    );
    return rows.map((r) => r.id);
  }

  /** Every personal-data breach, in the order the provider became aware of them. */
  breachLog(): Promise<BreachLogRow[]> {
    return this.db.query(
      `SELECT i.id, i.title, i.impact, i.status, i.detected_at AS "detectedAt", i.became_aware_at AS "becameAwareAt",
              i.exposure_from AS "exposureFrom", i.exposure_to AS "exposureTo",
              i.regulator_rules AS "regulatorRules", i.resolved_at AS "resolvedAt",
              coalesce(string_agg(n.kind || '/' || n.phase || ' ' || to_char(n.notified_at AT TIME ZONE 'UTC',
                'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ' ref ' || n.reference, '; ' ORDER BY n.notified_at), '') AS notices,
              coalesce(string_agg(n.delay_reasons, '; ' ORDER BY n.notified_at), '') AS "delayReasons"
         FROM incidents i LEFT JOIN incident_regulator_notices n ON n.incident_id = i.id
        WHERE i.personal_data_breach
        GROUP BY i.id ORDER BY i.became_aware_at`,
    );
  }
}
