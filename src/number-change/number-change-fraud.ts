import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CustomerAuthService } from '../identity/customer-auth.service';
import { AppConfig } from '../platform/config';
import { SubscribersService } from '../subscribers/subscribers.service';
import { FraudFacts, FraudRules, FraudSignalCode, fraudSignals, holdsForSupervisor } from './fraud-rules';
import { NumberChangeRequest } from './number-change-request.entity';

/** The fraud facts other modules hold. */
export type OutsideFacts = Pick<FraudFacts, 'failedOtpAttempts' | 'lastNumberChangeAt' | 'portedInAt'>;

/** A request's fraud signals and whether they hold it for a supervisor (the rules are in fraud-rules.ts). */
@Injectable()
export class NumberChangeFraud {
  private readonly logger = new Logger(NumberChangeFraud.name);

  constructor(
    private readonly customerAuth: CustomerAuthService,
    private readonly subscribers: SubscribersService,
    private readonly config: AppConfig,
  ) {}

  /** Facts other modules hold (their services use their own connections). */
  async outsideFacts(subscriberId: string, at: Date): Promise<OutsideFacts> {
    const since = new Date(at.getTime() - this.config.numberChange.otpFailureWindowMinutes * 60_000);
    return {
      failedOtpAttempts: await this.customerAuth.failedCodeAttemptsSince(subscriberId, since),
      lastNumberChangeAt: await this.subscribers.lastNumberChangeAt(subscriberId),
      portedInAt: (await this.subscribers.findById(subscriberId))?.portedInAt ?? null,
    };
  }

  /** Adds this module's facts, stores the signals and the hold decision on the request. */
  async assess(m: EntityManager, r: NumberChangeRequest, outside: OutsideFacts) {
    const c = this.config.numberChange;
    const rules: FraudRules = {
      otpFailureWindowMinutes: c.otpFailureWindowMinutes,
      maxRequestsPerIp: c.maxRequestsPerIp,
      recentChangeDays: c.recentChangeDays,
      recentPortDays: c.recentPortDays,
      holdOn: c.holdSignals as FraudSignalCode[],
    };
    const [{ n: fromIp }] = r.ip
      ? await m.query(
          // (the row's own created_at, not the JS Date: that one lost the microseconds)
          `WITH me AS (SELECT created_at FROM number_change_requests WHERE id = $2)
           SELECT count(*)::int AS n FROM number_change_requests, me
           WHERE ip = $1 AND number_change_requests.created_at > me.created_at - interval '24 hours'
             AND number_change_requests.created_at <= me.created_at`,
          [r.ip, r.id],
        )
      : [{ n: 0 }];
    const signals = fraudSignals(
      { ...outside, requestsFromIp: fromIp, emailMismatches: r.emailMismatches },
      rules,
      r.createdAt,
    );
    const held = holdsForSupervisor(signals, rules);
    // A hold, once set, is never lifted by a later assessment (nor is a "Not you?" report forgotten).
    await m.query(
      `UPDATE number_change_requests SET held_for_supervisor = held_for_supervisor OR $3,
         fraud_signals = $2::jsonb || coalesce((SELECT jsonb_agg(x) FROM jsonb_array_elements(fraud_signals) x
                                                WHERE x->>'code' = 'reported_not_me'), '[]'::jsonb)
       WHERE id = $1`,
      [r.id, JSON.stringify(signals), held],
    );
    if (signals.length)
      this.logger.log(`number-change ${r.id}: fraud signals ${signals.map((s) => s.code).join(', ')}`);
    return signals;
  }
}
