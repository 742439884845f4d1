import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, FindOptionsWhere } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { StaffRole } from '../platform/http/principal';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { BillingService } from './billing.service';
import { Credit, CreditStatus } from './credit.entity';
import { IssueCreditDto } from './dto/issue-credit.dto';
import { IdempotencyService } from '../platform/http/idempotency.service';
import { requestHash } from '../platform/http/idempotency';
import { creditEntry, GOODWILL_EXPENSE, offerExpenseAccount, reversalEntry } from './ledger';
import { LedgerService } from './ledger.service';
import { approvalProblem, decideCredit, utcDayStart } from './limits';
import { Conflict, Forbidden, NotFound, Unprocessable } from '../platform/http/domain-error';
import { changeState } from '../platform/state/state-change';
import { CreditEvent, creditMachine } from './credit-state';

/** A credit about to be issued (goodwill from an agent, or an offer claim). */
export interface NewCredit {
  id: string;
  subscriberId: string;
  amountPence: number;
  source: 'goodwill' | 'offer';
  offerId?: string | null;
  claimId?: string | null;
  reasonCode: string;
  note?: string | null;
  requestedBy?: string | null;
}

/** Advisory-lock namespace of this module (first key of the two-key form). */
const LOCK_NAMESPACE = 6;

@Injectable()
export class CreditsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly ledger: LedgerService,
    private readonly billing: BillingService,
    private readonly idempotency: IdempotencyService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * An agent credits a customer. Idempotent per agent and key; the customer's credits are serialised by a
   * transaction-scoped advisory lock, so parallel requests cannot together pass the daily limit.
   */
  async issue(dto: IssueCreditDto, actor: Actor, key: string) {
    let outboxIds: string[] = [];
    const result = await this.idempotency.run(
      `credit.issue:${actor.id}`,
      key,
      requestHash('credit.issue', dto),
      async (m) => {
        // the agent's credits first, then the customer's (one order everywhere: no deadlock), so parallel
        // requests cannot together pass either daily aggregate
        await m.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [
          LOCK_NAMESPACE,
          `agent:${actor.id}`,
        ]);
        await m.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [LOCK_NAMESPACE, dto.subscriberId]);
        const [sub] = await m.query(`SELECT 1 FROM subscribers WHERE id = $1`, [dto.subscriberId]);
        if (!sub) throw new NotFound('No such subscriber');
        const [{ today, agent }] = await m.query(
          `SELECT coalesce(sum(amount_pence) FILTER (WHERE subscriber_id = $1), 0)::int AS today,
                  coalesce(sum(amount_pence) FILTER (WHERE requested_by = $3), 0)::int AS agent
           FROM credits
           WHERE (subscriber_id = $1 OR requested_by = $3) AND source = 'goodwill' AND status <> 'rejected'
             AND created_at >= $2`,
          [dto.subscriberId, utcDayStart(this.clock.now()), actor.id], // created_at is Clock time too
        );
        const decision = decideCredit(
          actor.role as StaffRole,
          dto.amountPence,
          today,
          this.config.compensation,
          agent,
        );
        if (decision.outcome === 'refuse') throw new Unprocessable(decision.reason);
        const credit: NewCredit = { id: randomUUID(), source: 'goodwill', requestedBy: actor.id, ...dto };
        if (decision.outcome === 'issue') {
          outboxIds = await this.insertIssued(m, [credit]);
        } else {
          await m.insert(Credit, {
            ...credit,
            status: 'pending_approval' as CreditStatus,
            createdAt: this.clock.now(),
          });
        }
        await this.audit.record(m, actor, {
          action: decision.outcome === 'issue' ? 'credit.issue' : 'credit.request_approval',
          targetType: 'credit',
          targetId: credit.id,
          summary: {
            subscriberId: dto.subscriberId,
            amountPence: dto.amountPence,
            reasonCode: dto.reasonCode,
          },
        });
        const saved = await m.findOneByOrFail(Credit, { id: credit.id });
        return { status: decision.outcome === 'issue' ? 201 : 202, body: saved };
      },
    );
    await this.billing.enqueue(outboxIds);
    return result;
  }

  /**
   * Issues new credits in the caller's transaction: ledger entries, credit rows, billing outbox rows.
   * Returns the outbox ids, to enqueue once the transaction has committed.
   */
  async insertIssued(m: EntityManager, credits: NewCredit[]): Promise<string[]> {
    if (!credits.length) return [];
    const entryIds = await this.ledger.post(
      m,
      credits.map((c) => this.entryFor(c)),
    );
    const col = <K extends keyof NewCredit>(k: K) => credits.map((c) => c[k] ?? null);
    await m.query(
      `INSERT INTO credits (id, subscriber_id, amount_pence, source, offer_id, claim_id, reason_code, note,
                            requested_by, entry_id, status, created_at)
       SELECT u.*, 'issued', $11::timestamptz FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::uuid[], $6::uuid[],
                                        $7::text[], $8::text[], $9::uuid[], $10::uuid[])
         AS u(id, subscriber_id, amount_pence, source, offer_id, claim_id, reason_code, note, requested_by, entry_id)`,
      [
        col('id'),
        col('subscriberId'),
        col('amountPence'),
        col('source'),
        col('offerId'),
        col('claimId'),
        col('reasonCode'),
        col('note'),
        col('requestedBy'),
        entryIds,
        this.clock.now(),
      ],
    );
    return this.billing.record(
      m,
      'credit.issued',
      credits.map((c) => c.id),
    );
  }

  private entryFor(c: Pick<NewCredit, 'id' | 'source' | 'subscriberId' | 'amountPence' | 'offerId'>) {
    return creditEntry(
      c.source === 'offer' ? 'offer_credit' : 'goodwill_credit',
      c.subscriberId,
      c.amountPence,
      c.offerId ? offerExpenseAccount(c.offerId) : GOODWILL_EXPENSE,
      `credit ${c.id}`,
    );
  }

  /** A second supervisor (or admin) approves a credit above the limit: it is issued now. */
  async approve(id: string, actor: Actor): Promise<Credit> {
    let outboxIds: string[] = [];
    const credit = await this.db.transaction(async (m) => {
      const c = await this.lockPending(m, id);
      const problem = approvalProblem(actor.id!, actor.role as StaffRole, c.requestedBy);
      if (problem) throw new Forbidden(problem);
      const [entryId] = await this.ledger.post(m, [this.entryFor(c)]);
      await this.decide(m, c, 'approve', actor, { entry_id: entryId }, { amountPence: c.amountPence });
      outboxIds = await this.billing.record(m, 'credit.issued', [id]);
      return m.findOneByOrFail(Credit, { id });
    });
    await this.billing.enqueue(outboxIds);
    return credit;
  }

  async reject(id: string, actor: Actor, reason: string): Promise<Credit> {
    return this.db.transaction(async (m) => {
      const c = await this.lockPending(m, id);
      const problem = approvalProblem(actor.id!, actor.role as StaffRole, c.requestedBy);
      if (problem) throw new Forbidden(problem);
      await this.decide(m, c, 'reject', actor, { decision_note: reason }, { reason });
      return m.findOneByOrFail(Credit, { id });
    });
  }

  /** A supervisor corrects an issued credit with a reversing entry (never an edit); once only. */
  async reverse(id: string, actor: Actor, reason: string): Promise<Credit> {
    let outboxIds: string[] = [];
    const credit = await this.db.transaction(async (m) => {
      const c = await this.lock(m, id);
      if (c.status !== 'issued')
        throw new Conflict(`Only an issued credit can be reversed (this one is ${c.status})`);
      if (c.reversedAt) throw new Conflict('This credit has already been reversed');
      const lines = await this.ledger.linesOf(m, c.entryId!);
      const [reversalId] = await this.ledger.post(m, [
        reversalEntry(c.entryId!, lines, `reversal of credit ${id}`),
      ]);
      await m.update(
        Credit,
        { id },
        {
          reversalEntryId: reversalId,
          reversedBy: actor.id,
          reversalReason: reason,
          reversedAt: this.clock.now(),
        },
      );
      outboxIds = await this.billing.record(m, 'credit.reversed', [id]);
      await this.audit.record(m, actor, {
        action: 'credit.reverse',
        targetType: 'credit',
        targetId: id,
        summary: { amountPence: c.amountPence, reason },
      });
      return m.findOneByOrFail(Credit, { id });
    });
    await this.billing.enqueue(outboxIds);
    return credit;
  }

  private async lock(m: EntityManager, id: string): Promise<Credit> {
    const c = await m.findOne(Credit, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!c) throw new NotFound('No such credit');
    return c;
  }

  /** Locks a credit that still waits for a decision (both decisions start from the same state). */
  private async lockPending(m: EntityManager, id: string): Promise<Credit> {
    const c = await this.lock(m, id);
    if (!creditMachine.next(c.status, 'approve')) throw new Conflict(`This credit is already ${c.status}`);
    return c;
  }

  /** A second person's decision on a locked pending credit: the move and its audit row, by `changeState`. */
  private async decide(
    m: EntityManager,
    c: Credit,
    event: CreditEvent,
    actor: Actor,
    set: Record<string, unknown>,
    summary: Record<string, unknown>,
  ): Promise<void> {
    const moved = await changeState(m, this.audit, {
      table: 'credits',
      id: c.id,
      from: c.status,
      to: creditMachine.next(c.status, event)!,
      set: { decided_by: actor.id, decided_at: this.clock.now(), ...set },
      audit: { actor, action: `credit.${event}`, targetType: 'credit', summary },
    });
    // the row is locked and was pending: nothing else can have moved it
    if (!moved) throw new Conflict('The credit changed meanwhile; nothing was done');
  }

  async get(id: string): Promise<Credit> {
    const c = await this.db.getRepository(Credit).findOne({ where: { id } });
    if (!c) throw new NotFound('No such credit');
    return c;
  }

  list(filter: { subscriberId?: string; status?: CreditStatus; limit?: number }): Promise<Credit[]> {
    const where: FindOptionsWhere<Credit> = {};
    if (filter.subscriberId) where.subscriberId = filter.subscriberId;
    if (filter.status) where.status = filter.status;
    return this.db
      .getRepository(Credit)
      .find({ where, order: { createdAt: 'DESC' }, take: filter.limit ?? 50 });
  }

  /** A customer's balance (from the ledger) and their most recent credits. */
  async account(subscriberId: string) {
    const [balancePence, credits] = await Promise.all([
      this.ledger.balance(subscriberId),
      this.list({ subscriberId, limit: 50 }),
    ]);
    return { subscriberId, balancePence, credits };
  }
}
