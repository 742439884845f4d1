import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { Actor } from '../platform/http/actor';
import { Conflict, NotFound } from '../platform/http/domain-error';
import { changeState, sqlValue } from '../platform/state/state-change';
import { NumberChangeStep } from './number-change-messages';
import { NumberChangeNotifier } from './number-change-notifier';
import { NumberChangeRequest } from './number-change-request.entity';
import { isTerminal, NumberChangeEvent, numberChangeMachine, refusal } from './number-change-state';
import { NumberChangeRepository } from './number-change.repository';
import { NumberPoolService } from './number-pool.service';

export interface TransitionOptions {
  /** Customers act only on their own requests: the row must also match this subscriber. */
  subscriberId?: string;
  /** Other columns written with the move (column → value). */
  set?: Record<string, unknown>;
  summary?: Record<string, unknown>;
}

/** Which steps the customer is told about (others, like `verify`, follow too closely to be worth a message). */
const NOTIFIED: Partial<Record<NumberChangeEvent, NumberChangeStep>> = {
  reserve: 'reserved',
  approve: 'approved',
  schedule: 'scheduled',
  complete: 'completed',
  reject: 'rejected',
  cancel: 'cancelled',
  expire: 'expired',
};
const RELEASES_NUMBERS: NumberChangeEvent[] = ['reject', 'cancel', 'expire'];

/**
 * The only writer of a request's `state`: the state machine applied with `changeState` (conditional UPDATE
 * and audit row in the caller's transaction), then what follows a step: numbers released, the customer told.
 */
@Injectable()
export class NumberChangeTransitions {
  constructor(
    private readonly requests: NumberChangeRepository,
    private readonly audit: AuditService,
    private readonly pool: NumberPoolService,
    private readonly notifier: NumberChangeNotifier,
    private readonly clock: Clock,
  ) {}

  async apply(
    m: EntityManager,
    id: string,
    event: NumberChangeEvent,
    actor: Actor,
    opts: TransitionOptions = {},
  ): Promise<NumberChangeRequest> {
    const current = await this.find(m, id, opts.subscriberId);
    const to = numberChangeMachine.next(current.state, event);
    if (!to) throw new Conflict(refusal(current.state, event));
    const moved = await changeState(m, this.audit, {
      table: 'number_change_requests',
      column: 'state',
      id,
      from: current.state,
      to,
      set: {
        ...opts.set,
        updated_at: sqlValue('now()'),
        ...(isTerminal(to) ? { closed_at: this.clock.now() } : {}), // compared with sla_due_at (Clock time)
      },
      // Once the operator may be switching the number, only the cutover itself can move the request on.
      where: event === 'complete' ? undefined : 'cutover_started_at IS NULL',
      audit: {
        actor,
        action: `number_change.${event}`,
        targetType: 'number_change_request',
        summary: opts.summary,
      },
    });
    if (!moved) {
      const now = await this.find(m, id);
      throw new Conflict(
        now.cutoverStartedAt && now.state === current.state
          ? 'The cutover has started; the request can no longer be changed'
          : `The request changed meanwhile (now ${now.state}); nothing was done`,
      );
    }
    const updated = await this.find(m, id);
    if (RELEASES_NUMBERS.includes(event)) await this.pool.releaseAll(m, id);
    const step = NOTIFIED[event];
    if (step) await this.notifier.step(m, updated, step);
    return updated;
  }

  async find(m: EntityManager, id: string, subscriberId?: string): Promise<NumberChangeRequest> {
    const r = await this.requests.find(m, id, subscriberId);
    // Another customer's request answers exactly like a missing one.
    if (!r) throw new NotFound('No such number-change request');
    return r;
  }
}
