import { Injectable } from '@nestjs/common';
import { CreditsService } from '../compensation/credits.service';
import { OffersService } from '../compensation/offers.service';
import { IncidentUpdatesService } from '../incidents/incident-updates.service';
import type { StaffRole } from '../platform/http/principal';
import { CampaignsService } from '../notifications/campaigns.service';
import { NumberChangeService } from '../number-change/number-change.service';
import { AppConfig } from '../platform/config';
import { Candidate, inboxFor, InboxItem, pounds } from './inbox';

const SUPERVISORS: readonly StaffRole[] = ['supervisor', 'admin'];
const clip = (s: string, n = 280) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const iso = (d: Date | string) => new Date(d).toISOString();

/**
 * The approvals inbox: everything that waits for a second person, gathered from the modules that own it
 * (through their exported services) and filtered by who may decide it. Deciding stays with each owner's
 * route (approve an update, a campaign, a credit, a held number change), which enforces the same rules.
 */
@Injectable()
export class ApprovalsService {
  constructor(
    private readonly updates: IncidentUpdatesService,
    private readonly campaigns: CampaignsService,
    private readonly credits: CreditsService,
    private readonly offers: OffersService,
    private readonly numberChanges: NumberChangeService,
    private readonly config: AppConfig,
  ) {}

  async inbox(me: { id: string; role: StaffRole }): Promise<InboxItem[]> {
    return inboxFor(me, await this.candidates());
  }

  /** Everything that waits for a second person, with who asked and who may decide. */
  async candidates(): Promise<Candidate[]> {
    const [drafts, campaigns, credits, held, offers] = await Promise.all([
      this.updates.awaitingApproval(),
      this.campaigns.list(),
      this.credits.list({ status: 'pending_approval', limit: 200 }),
      this.numberChanges.list({ state: 'open', held: true, limit: 200 }),
      this.offers.list(200),
    ]);
    const candidates: Candidate[] = [
      ...drafts.map((d) => ({
        kind: 'update' as const,
        id: d.id,
        title: `Update to “${d.incidentTitle}”`,
        detail: clip(d.body),
        waitingSince: iso(d.createdAt),
        link: `/console/incidents/${d.incidentId}`,
        requestedBy: d.authorId,
        deciderRoles: d.approverRoles as StaffRole[],
        secondPerson: true,
      })),
      ...campaigns
        .filter((c) => c.status === 'draft')
        .map((c) => ({
          kind: 'campaign' as const,
          id: c.id,
          title: `Campaign “${c.name}”`,
          detail: `${c.kind} to ${c.audienceType.replace(/_/g, ' ')}, by ${c.channelPolicy.replace(/_/g, ' ')}`,
          waitingSince: iso(c.createdAt),
          link: `/console/campaigns/${c.id}`,
          requestedBy: c.createdBy,
          deciderRoles: SUPERVISORS,
          secondPerson: this.config.notifications.secondApprover,
        })),
      ...credits.map((c) => ({
        kind: 'credit' as const,
        id: c.id,
        title: `Credit of ${pounds(c.amountPence)}`,
        detail: clip([c.reasonCode.replace(/_/g, ' '), c.note].filter(Boolean).join(': ')),
        waitingSince: iso(c.createdAt),
        link: `/console/customers/${c.subscriberId}`,
        requestedBy: c.requestedBy,
        deciderRoles: SUPERVISORS,
        secondPerson: true,
      })),
      ...held.map((r) => ({
        kind: 'number_change' as const,
        id: r.id,
        title: 'Number change held for a supervisor',
        detail: clip(r.fraudSignals.map((s) => s.detail).join('; ') || 'held for review'),
        waitingSince: iso(r.createdAt),
        link: `/console/number-changes/${r.id}`,
        requestedBy: null,
        deciderRoles: SUPERVISORS,
        secondPerson: false,
      })),
      ...offers
        .filter((o) => o.approvalStatus === 'pending')
        .map((o) => ({
          kind: 'offer' as const,
          id: o.id,
          title: `Offer “${o.name}”`,
          detail: clip(
            [
              `${o.mode === 'auto' ? 'Given automatically' : 'Claimed by customers'}, to ${o.eligibility.replace(/_/g, ' ')}`,
              o.liabilityPence !== null ? `up to ${pounds(o.liabilityPence)} in all` : null,
              `claims ${iso(o.claimOpensAt).slice(0, 10)} to ${iso(o.claimClosesAt).slice(0, 10)}`,
            ]
              .filter(Boolean)
              .join('; '),
          ),
          waitingSince: iso(o.createdAt),
          link: `/console/approvals`,
          requestedBy: o.createdBy,
          deciderRoles: SUPERVISORS,
          secondPerson: true,
        })),
    ];
    return candidates;
  }

  /** What live views compare: the inbox's items and any incident or update change. */
  async marker(me: { id: string; role: StaffRole }): Promise<{ count: number; marker: string }> {
    const [items, incidents] = await Promise.all([this.inbox(me), this.updates.changeMarker()]);
    return { count: items.length, marker: `${items.map((i) => i.id).join(',')}#${incidents}` };
  }
}
