import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
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
import { IdempotencyService } from './idempotency.service';
import { keyProblem, requestHash } from './idempotency';
import { creditEntry, GOODWILL_EXPENSE, offerExpenseAccount, reversalEntry } from './ledger';
import { LedgerService } from './ledger.service';
import { approvalProblem, decideCredit, utcDayStart } from './limits';

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
  async issue(dto: IssueCreditDto, actor: Actor, key: string | undefined) {
    const problem = keyProblem(key);
    if (problem)
      throw new BadRequestException({
        message: problem,
        details: [{ field: 'Idempotency-Key', messages: [problem] }],
      });
    let outboxIds: string[] = [];
    const result = await this.idempotency.run(
      `credit.issue:${actor.id}`,
      key!,
      requestHash('credit.issue', dto),
      async (m) => {
        await m.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [LOCK_NAMESPACE, dto.subscriberId]);
        const [sub] = await m.query(`SELECT 1 FROM subscribers WHERE id = $1`, [dto.subscriberId]);
        if (!sub) throw new NotFoundException('No such subscriber');
        const [{ today }] = await m.query(
          `SELECT coalesce(sum(amount_pence), 0)::int AS today FROM credits
           WHERE subscriber_id = $1 AND source = 'goodwill' AND status <> 'rejected' AND created_at >= $2`,
          [dto.subscriberId, utcDayStart(this.clock.now())], // created_at is Clock time too
        );
        const decision = decideCredit(
          actor.role as StaffRole,
          dto.amountPence,
          today,
          this.config.compensation,
        );
        if (decision.outcome === 'refuse') throw new UnprocessableEntityException(decision.reason);
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
      if (problem) throw new ForbiddenException(problem);
      const [entryId] = await this.ledger.post(m, [this.entryFor(c)]);
      await m.update(
        Credit,
        { id, status: 'pending_approval' },
        { status: 'issued', entryId, decidedBy: actor.id, decidedAt: this.clock.now() },
      );
      outboxIds = await this.billing.record(m, 'credit.issued', [id]);
      await this.audit.record(m, actor, {
        action: 'credit.approve',
        targetType: 'credit',
        targetId: id,
        summary: { amountPence: c.amountPence },
      });
      return m.findOneByOrFail(Credit, { id });
    });
    await this.billing.enqueue(outboxIds);
    return credit;
  }

  async reject(id: string, actor: Actor, reason: string): Promise<Credit> {
    return this.db.transaction(async (m) => {
      const c = await this.lockPending(m, id);
      const problem = approvalProblem(actor.id!, actor.role as StaffRole, c.requestedBy);
      if (problem) throw new ForbiddenException(problem);
      await m.update(
        Credit,
        { id, status: 'pending_approval' },
        { status: 'rejected', decidedBy: actor.id, decidedAt: this.clock.now(), decisionNote: reason },
      );
      await this.audit.record(m, actor, {
        action: 'credit.reject',
        targetType: 'credit',
        targetId: id,
        summary: { reason },
      });
      return m.findOneByOrFail(Credit, { id });
    });
  }

  /** A supervisor corrects an issued credit with a reversing entry (never an edit); once only. */
  async reverse(id: string, actor: Actor, reason: string): Promise<Credit> {
    let outboxIds: string[] = [];
    const credit = await this.db.transaction(async (m) => {
      const c = await this.lock(m, id);
      if (c.status !== 'issued')
        throw new ConflictException(`Only an issued credit can be reversed (this one is ${c.status})`);
      if (c.reversedAt) throw new ConflictException('This credit has already been reversed');
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
    if (!c) throw new NotFoundException('No such credit');
    return c;
  }

  private async lockPending(m: EntityManager, id: string): Promise<Credit> {
    const c = await this.lock(m, id);
    if (c.status !== 'pending_approval') throw new ConflictException(`This credit is already ${c.status}`);
    return c;
  }

  async get(id: string): Promise<Credit> {
    const c = await this.db.getRepository(Credit).findOne({ where: { id } });
    if (!c) throw new NotFoundException('No such credit');
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
