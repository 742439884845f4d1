import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CustomerAuthService } from '../identity/customer-auth.service';
import { AppConfig } from '../platform/config';
import { SubscribersService } from '../subscribers/subscribers.service';
import { FraudFacts, FraudRules, FraudSignalCode, fraudSignals, holdsForSupervisor } from './fraud-rules';
import { NumberChangeRequest } from './number-change-request.entity';
import { NumberChangeRepository } from './number-change.repository';

/** The fraud facts other modules hold. */
export type OutsideFacts = Pick<FraudFacts, 'failedOtpAttempts' | 'lastNumberChangeAt' | 'portedInAt'>;

/** A request's fraud signals and whether they hold it for a supervisor (the rules are in fraud-rules.ts). */
@Injectable()
export class NumberChangeFraud {
  private readonly logger = new Logger(NumberChangeFraud.name);

  constructor(
    private readonly requests: NumberChangeRepository,
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
    const fromIp = r.ip ? await this.requests.countFromIpBefore(m, r.ip, r.id) : 0;
    const signals = fraudSignals(
      { ...outside, requestsFromIp: fromIp, emailMismatches: r.emailMismatches },
      rules,
      r.createdAt,
    );
    const held = holdsForSupervisor(signals, rules);
    await this.requests.storeAssessment(m, r.id, signals, held);
    if (signals.length)
      this.logger.log(`number-change ${r.id}: fraud signals ${signals.map((s) => s.code).join(', ')}`);
    return signals;
  }
}
