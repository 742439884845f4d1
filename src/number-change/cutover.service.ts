import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { SYSTEM_ACTOR } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { SubscribersService } from '../subscribers/subscribers.service';
import { NumberChangeRepository } from './number-change.repository';
import { NumberChangeTransitions } from './number-change-transitions';
import { NumberPoolService } from './number-pool.service';
import { ProvisioningClient, ProvisioningRejectedError } from './provisioning-client';
import { Conflict } from '../platform/http/domain-error';

export type CutoverResult = 'completed' | 'already_completed' | 'not_due';

/**
 * Switches a scheduled request's number at the operator, then in our records. Safe to run twice or
 * concurrently: the operator sees one idempotency key per request, and `scheduled → completed` is a
 * conditional UPDATE that only one run can win.
 */
@Injectable()
export class CutoverService {
  private readonly logger = new Logger(CutoverService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly requests: NumberChangeRepository,
    private readonly transitions: NumberChangeTransitions,
    private readonly pool: NumberPoolService,
    private readonly subscribers: SubscribersService,
    private readonly provisioning: ProvisioningClient,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async run(requestId: string): Promise<CutoverResult> {
    // Claiming the cutover blocks cancel/reject from here on (the operator may be switching already).
    if (!(await this.requests.claimCutover(requestId, this.clock.now()))) {
      const r = await this.requests.find(this.db.manager, requestId);
      return r?.state === 'completed' ? 'already_completed' : 'not_due';
    }
    const r = await this.transitions.find(this.db.manager, requestId);
    const subscriber = await this.subscribers.findById(r.subscriberId);
    let reference: string;
    try {
      ({ reference } = await this.provisioning.changeNumber({
        idempotencyKey: r.id,
        accountId: subscriber!.accountId,
        oldMsisdn: r.oldMsisdn,
        newMsisdn: r.newMsisdn!,
      }));
    } catch (e) {
      const message = (e as Error).message;
      await this.requests.recordError(r.id, message);
      this.logger.warn(
        `number-change ${r.id}: provisioning try ${r.provisioningAttempts} failed: ${message}`,
      );
      throw e instanceof ProvisioningRejectedError ? new UnrecoverableError(message) : e;
    }
    return this.db.transaction(async (m) => {
      try {
        await this.transitions.apply(m, r.id, 'complete', SYSTEM_ACTOR, {
          set: { provisioning_reference: reference, last_error: null },
          summary: { reference },
        });
      } catch (e) {
        const now = await this.requests.find(m, r.id);
        if (e instanceof Conflict && now?.state === 'completed') return 'already_completed';
        throw e;
      }
      const { oldMsisdn } = await this.subscribers.changeNumber(
        m,
        r.subscriberId,
        r.newMsisdn!,
        `number change ${r.id}`,
      );
      await this.pool.assignAndQuarantine(m, r.id, r.subscriberId, r.newMsisdn!, oldMsisdn);
      this.logger.log(`number-change ${r.id}: completed (${reference})`);
      return 'completed';
    });
  }

  /** After the last try: the request stays scheduled, unlocked and visible to agents, who may reschedule it. */
  async giveUp(requestId: string, error: string): Promise<void> {
    await this.db.transaction(async (m) => {
      if (!(await this.requests.unclaimCutover(m, requestId, error))) return;
      await this.audit.record(m, SYSTEM_ACTOR, {
        action: 'number_change.cutover_failed',
        targetType: 'number_change_request',
        targetId: requestId,
        summary: { error },
      });
    });
  }
}
