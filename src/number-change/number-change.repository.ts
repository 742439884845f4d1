import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, DeepPartial, EntityManager } from 'typeorm';
import type { FraudSignal, FraudSignalCode } from './fraud-rules';
import { NumberChangeRequest } from './number-change-request.entity';
import { NumberChangeState, OPEN_STATES } from './number-change-state';

export interface QueueFilter {
  state?: NumberChangeState | 'open';
  held?: boolean;
  breached?: boolean;
  signal?: FraudSignalCode;
  limit?: number;
}

/**
 * The SQL of number-change requests, rows as `NumberChangeRequest` (camelCase). The `state` column is
 * written only by NumberChangeTransitions through `changeState`; these are the other columns.
 */
@Injectable()
export class NumberChangeRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  find(m: EntityManager, id: string, subscriberId?: string): Promise<NumberChangeRequest | null> {
    return m.findOne(NumberChangeRequest, { where: subscriberId ? { id, subscriberId } : { id } });
  }

  /** The row locked for a multi-step change in `m`'s transaction. */
  findForUpdate(m: EntityManager, id: string, subscriberId: string): Promise<NumberChangeRequest | null> {
    return m.findOne(NumberChangeRequest, {
      where: { id, subscriberId },
      lock: { mode: 'pessimistic_write' },
    });
  }

  insert(m: EntityManager, fields: DeepPartial<NumberChangeRequest>): Promise<NumberChangeRequest> {
    return m.save(m.create(NumberChangeRequest, fields));
  }

  async setEmailCodeHash(m: EntityManager, id: string, hash: string): Promise<void> {
    await m.update(NumberChangeRequest, { id }, { emailCodeHash: hash });
  }

  /**
   * Counts one try at the emailed code, if the request still waits for one and has tries left (a conditional
   * UPDATE, so parallel guesses cannot exceed `max`). Answers the stored hash, or null when no try was counted.
   */
  async countEmailCodeTry(id: string, subscriberId: string, max: number): Promise<string | null> {
    const [rows] = await this.db.query(
      `UPDATE number_change_requests SET email_code_attempts = email_code_attempts + 1
       WHERE id = $1 AND subscriber_id = $2 AND state = 'requested' AND email_code_hash IS NOT NULL
         AND email_code_attempts < $3
       RETURNING email_code_hash AS "emailCodeHash"`,
      [id, subscriberId, max],
    );
    return (rows as Array<{ emailCodeHash: string }>)[0]?.emailCodeHash ?? null;
  }

  async addEmailMismatch(m: EntityManager, id: string): Promise<void> {
    await m.increment(NumberChangeRequest, { id }, 'emailMismatches', 1);
  }

  /** A subscriber's open requests whose cutover has not started. */
  openBeforeCutover(subscriberId: string): Promise<Array<{ id: string; state: NumberChangeState }>> {
    return this.db.query(
      `SELECT id, state FROM number_change_requests
       WHERE subscriber_id = $1 AND state = ANY($2) AND cutover_started_at IS NULL`,
      [subscriberId, OPEN_STATES],
    );
  }

  /** Holds the request for a supervisor and adds the signal, unless a "Not you?" signal is already there. */
  async holdReportedNotMe(m: EntityManager, id: string, signal: FraudSignal): Promise<void> {
    await m.query(
      `UPDATE number_change_requests SET held_for_supervisor = true,
         fraud_signals = fraud_signals || CASE WHEN fraud_signals @> '[{"code": "reported_not_me"}]'
           THEN '[]'::jsonb ELSE $2::jsonb END WHERE id = $1`,
      [id, JSON.stringify([signal])],
    );
  }

  /** Requests made from `ip` in the 24 hours up to this request (itself included), by the rows' own times. */
  async countFromIpBefore(m: EntityManager, ip: string, id: string): Promise<number> {
    const [{ n }] = await m.query(
      // (the row's own created_at, not a JS Date: that one lost the microseconds)
      `WITH me AS (SELECT created_at FROM number_change_requests WHERE id = $2)
       SELECT count(*)::int AS n FROM number_change_requests, me
       WHERE ip = $1 AND number_change_requests.created_at > me.created_at - interval '24 hours'
         AND number_change_requests.created_at <= me.created_at`,
      [ip, id],
    );
    return n as number;
  }

  /** Stores an assessment: a hold, once set, is never lifted, nor a "Not you?" signal forgotten. */
  async storeAssessment(m: EntityManager, id: string, signals: FraudSignal[], held: boolean): Promise<void> {
    await m.query(
      `UPDATE number_change_requests SET held_for_supervisor = held_for_supervisor OR $3,
         fraud_signals = $2::jsonb || coalesce((SELECT jsonb_agg(x) FROM jsonb_array_elements(fraud_signals) x
                                                WHERE x->>'code' = 'reported_not_me'), '[]'::jsonb)
       WHERE id = $1`,
      [id, JSON.stringify(signals), held],
    );
  }

  listForSubscriber(subscriberId: string, take: number): Promise<NumberChangeRequest[]> {
    return this.db
      .getRepository(NumberChangeRequest)
      .find({ where: { subscriberId }, order: { createdAt: 'DESC' }, take });
  }

  /** The agents' queue, SLA order; `now` decides what counts as breached for open requests. */
  list(f: QueueFilter, now: Date): Promise<NumberChangeRequest[]> {
    const qb = this.db
      .getRepository(NumberChangeRequest)
      .createQueryBuilder('r')
      .orderBy('r.sla_due_at', 'ASC')
      .addOrderBy('r.id', 'ASC')
      .limit(f.limit ?? 50);
    const state = f.state ?? 'open';
    if (state === 'open') qb.andWhere('r.state IN (:...open)', { open: OPEN_STATES });
    else qb.andWhere('r.state = :state', { state });
    if (f.held !== undefined) qb.andWhere('r.held_for_supervisor = :held', { held: f.held });
    if (f.breached === true) qb.andWhere('r.sla_due_at < coalesce(r.closed_at, :now)', { now });
    if (f.breached === false) qb.andWhere('r.sla_due_at >= coalesce(r.closed_at, :now)', { now });
    if (f.signal)
      qb.andWhere(`r.fraud_signals @> :signal::jsonb`, { signal: JSON.stringify([{ code: f.signal }]) });
    return qb.getMany();
  }

  /** Claims a due, scheduled cutover (counting the try); false when it is not scheduled or not due. */
  async claimCutover(id: string, now: Date): Promise<boolean> {
    const [rows] = await this.db.query(
      `UPDATE number_change_requests SET cutover_started_at = $2, provisioning_attempts = provisioning_attempts + 1
       WHERE id = $1 AND state = 'scheduled' AND scheduled_at <= $2 RETURNING id`,
      [id, now],
    );
    return (rows as unknown[]).length > 0;
  }

  async recordError(id: string, message: string): Promise<void> {
    await this.db.query(`UPDATE number_change_requests SET last_error = $2 WHERE id = $1`, [id, message]);
  }

  /** Unclaims a scheduled cutover with its last error; false when the request is no longer scheduled. */
  async unclaimCutover(m: EntityManager, id: string, error: string): Promise<boolean> {
    const [, n] = await m.query(
      `UPDATE number_change_requests SET cutover_started_at = NULL, last_error = $2
       WHERE id = $1 AND state = 'scheduled'`,
      [id, error],
    );
    return (n as number) > 0;
  }

  /** Requests still requested or verified `ttlHours` after they were made, oldest first. */
  async stalled(ttlHours: number, now: Date, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM number_change_requests
       WHERE state IN ('requested', 'verified') AND created_at < $2::timestamptz - make_interval(hours => $1)
       ORDER BY created_at LIMIT $3`,
      [ttlHours, now, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Scheduled cutovers over a minute past due that have not started (nor failed). */
  dueUnstarted(now: Date, limit: number): Promise<Array<{ id: string; scheduledAt: Date }>> {
    return this.db.query(
      `SELECT id, scheduled_at AS "scheduledAt" FROM number_change_requests
       WHERE state = 'scheduled' AND scheduled_at < $1::timestamptz - interval '1 minute'
         AND cutover_started_at IS NULL AND last_error IS NULL LIMIT $2`,
      [now, limit],
    );
  }
}
