import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ReminderKind } from './cadence';

/** The promise in force of an open incident ("next update by"), with who leads its comms. */
export interface UpdatePromise {
  updateId: string;
  incidentId: string;
  title: string;
  nextUpdateBy: Date;
  commsLeadId: string | null;
  commsDeputyId: string | null;
}

/** The SQL of incident reminders: which promises fall due, and recording a reminder once. */
@Injectable()
export class RemindersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The promise in force per open incident (its latest published update that is not a correction), when it
   * falls due within `leadMinutes` of `now`.
   */
  promisesDue(now: Date, leadMinutes: number): Promise<UpdatePromise[]> {
    return this.db.query(
      `SELECT u.id AS "updateId", i.id AS "incidentId", i.title, u.next_update_by AS "nextUpdateBy",
              i.comms_lead_id AS "commsLeadId", i.comms_deputy_id AS "commsDeputyId"
         FROM incidents i
         CROSS JOIN LATERAL (
           SELECT id, next_update_by FROM incident_updates
            WHERE incident_id = i.id AND status = 'published' AND corrects_id IS NULL
            ORDER BY published_at DESC LIMIT 1) u
        WHERE i.status <> 'resolved' AND u.next_update_by IS NOT NULL
          AND u.next_update_by <= $1::timestamptz + make_interval(mins => $2)`,
      [now.toISOString(), leadMinutes],
    );
  }

  /** Records a reminder once per promise and kind: its id, or null when it was already recorded. */
  async insertOnce(
    m: EntityManager,
    p: UpdatePromise,
    kind: ReminderKind,
    firedAt: Date,
  ): Promise<string | null> {
    const inserted: Array<{ id: string }> = await m.query(
      `INSERT INTO incident_reminders (incident_id, update_id, kind, next_update_by, fired_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (update_id, kind) DO NOTHING RETURNING id`,
      [p.incidentId, p.updateId, kind, p.nextUpdateBy, firedAt],
    );
    return inserted[0]?.id ?? null;
  }
}
