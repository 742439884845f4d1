import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
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
import { CreditsRepository, NewCredit } from './credits.repository';

export type { NewCredit } from './credits.repository';

@Injectable()
export class CreditsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: CreditsRepository,
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
        await this.repo.lockKey(m, `agent:${actor.id}`);
        await this.repo.lockKey(m, dto.subscriberId);
        if (!(await this.repo.subscriberExists(m, dto.subscriberId)))
          throw new NotFound('No such subscriber');
        const { customerPence: today, agentPence: agent } = await this.repo.goodwillSince(
          m,
          dto.subscriberId,
          actor.id,
          utcDayStart(this.clock.now()), // created_at is Clock time too
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
          await this.repo.insertPending(m, credit, this.clock.now());
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
        const saved = await this.repo.get(m, credit.id);
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
    await this.repo.insertIssued(m, credits, entryIds, this.clock.now());
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
      return this.repo.get(m, id);
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
      return this.repo.get(m, id);
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
      await this.repo.recordReversal(m, id, {
        reversalEntryId: reversalId,
        reversedBy: actor.id,
        reversalReason: reason,
        reversedAt: this.clock.now(),
      });
      outboxIds = await this.billing.record(m, 'credit.reversed', [id]);
      await this.audit.record(m, actor, {
        action: 'credit.reverse',
        targetType: 'credit',
        targetId: id,
        summary: { amountPence: c.amountPence, reason },
      });
      return this.repo.get(m, id);
    });
    await this.billing.enqueue(outboxIds);
    return credit;
  }

  private async lock(m: EntityManager, id: string): Promise<Credit> {
    const c = await this.repo.findForUpdate(m, id);
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
    const c = await this.repo.findById(id);
    if (!c) throw new NotFound('No such credit');
    return c;
  }

  list(filter: { subscriberId?: string; status?: CreditStatus; limit?: number }): Promise<Credit[]> {
    return this.repo.list(filter);
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
