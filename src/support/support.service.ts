import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CustomerExposureService } from '../analysis/customer-exposure.service';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { CreditsService } from '../compensation/credits.service';
import { OfferClaimsService } from '../compensation/offer-claims.service';
import { NotificationsService } from '../notifications/notifications.service';
import { NumberChangeService } from '../number-change/number-change.service';
import { mask, maskEmail } from '../platform/privacy';
import { Subscriber } from '../subscribers/subscriber.entity';
import { SubscribersService } from '../subscribers/subscribers.service';
import { CustomerHitDto, CustomerOverviewDto, CustomerSearchResultDto } from './dto/support.dto';
import { NotFound } from '../platform/http/domain-error';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

/** What support may see of a person: never the full number or email. */
function hit(s: Subscriber): CustomerHitDto {
  return {
    id: s.id,
    accountId: s.accountId,
    firstName: s.firstName,
    msisdn: mask(s.msisdn),
    email: s.email ? maskEmail(s.email) : null,
    locale: s.locale,
  };
}

/**
 * Support's view of customers: search, then one page with everything about the person. Each read is a
 * staff action on personal data, so each is audited (the query itself only masked).
 */
@Injectable()
export class SupportService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly subscribers: SubscribersService,
    private readonly analysis: CustomerExposureService,
    private readonly notifications: NotificationsService,
    private readonly offers: OfferClaimsService,
    private readonly credits: CreditsService,
    private readonly numberChanges: NumberChangeService,
  ) {}

  async search(q: string, actor: Actor): Promise<CustomerSearchResultDto> {
    const { by, subscribers } = await this.subscribers.search(q);
    const shownQuery = by === 'number' ? mask(q) : by === 'email' ? maskEmail(q) : q;
    await this.db.transaction((m) =>
      this.audit.record(m, actor, {
        action: 'support.customer_search',
        targetType: 'subscriber',
        targetId: subscribers.length === 1 ? subscribers[0].id : undefined,
        summary: { by, query: shownQuery, results: subscribers.length },
      }),
    );
    return { matchedBy: by, customers: subscribers.map(hit) };
  }

  async overview(id: string, actor: Actor): Promise<CustomerOverviewDto> {
    const s = await this.subscribers.findById(id);
    if (!s) throw new NotFound('No such customer');
    const [exposure, messages, offers, account, numberChanges] = await Promise.all([
      this.analysis.customerExposure(id),
      this.notifications.messagesFor(id),
      this.offers.listForCustomer(id),
      this.credits.account(id),
      this.numberChanges.listForSubscriber(id),
    ]);
    await this.db.transaction((m) =>
      this.audit.record(m, actor, {
        action: 'support.customer_view',
        targetType: 'subscriber',
        targetId: id,
      }),
    );
    return {
      ...hit(s),
      smsOptOut: s.smsOptOut,
      emailOptOut: s.emailOptOut,
      exposure,
      messages,
      offers: offers.map((o) => ({
        id: o.id,
        name: o.name,
        benefit: o.benefit,
        claimClosesAt: iso(o.claimClosesAt)!,
        claimId: o.claimId,
        claimedAt: iso(o.claimedAt),
      })),
      balancePence: account.balancePence,
      credits: account.credits.map((c) => ({
        id: c.id,
        subscriberId: c.subscriberId,
        amountPence: c.amountPence,
        reasonCode: c.reasonCode,
        note: c.note,
        status: c.status,
        requestedBy: c.requestedBy,
        reversedAt: iso(c.reversedAt),
        createdAt: iso(c.createdAt)!,
      })),
      numberChanges: numberChanges.map((r) => ({
        id: r.id,
        state: r.state,
        heldForSupervisor: r.heldForSupervisor,
        slaDueAt: iso(r.slaDueAt)!,
        createdAt: iso(r.createdAt)!,
      })),
    };
  }
}
