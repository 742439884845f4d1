import { Injectable } from '@nestjs/common';
import { CreditsService } from '../compensation/credits.service';
import { OffersService } from '../compensation/offers.service';
import { IncidentTextChangesService } from '../incidents/incident-text-changes.service';
import { UpdateReviewService } from '../incidents/update-review.service';
import { Clock } from '../platform/clock/clock';
import type { StaffRole } from '../platform/http/principal';
import { CampaignsService } from '../notifications/campaigns.service';
import { NumberChangeService } from '../number-change/number-change.service';
import { AppConfig } from '../platform/config';
import { Candidate, inboxFor, InboxItem, pounds, Returned } from './inbox';

const SUPERVISORS: readonly StaffRole[] = ['supervisor', 'admin'];
const clip = (s: string, n = 280) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const iso = (d: Date | string) => new Date(d).toISOString();
/** How long a rejection stays in its author's "sent back to you" list. */
const RETURNED_DAYS = 7;

/**
 * The approvals inbox: everything that waits for a second person, gathered from the modules that own it
 * (through their exported services) and filtered by who may decide it. Deciding stays with each owner's
 * route (approve an update, a campaign, a credit, a held number change), which enforces the same rules.
 */
@Injectable()
export class ApprovalsService {
  constructor(
    private readonly updates: UpdateReviewService,
    private readonly textChanges: IncidentTextChangesService,
    private readonly campaigns: CampaignsService,
    private readonly credits: CreditsService,
    private readonly offers: OffersService,
    private readonly numberChanges: NumberChangeService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async inbox(me: { id: string; role: StaffRole }): Promise<InboxItem[]> {
    return inboxFor(me, await this.candidates());
  }

  /** Everything that waits for a second person, with who asked and who may decide. */
  async candidates(): Promise<Candidate[]> {
    const [drafts, campaigns, credits, held, offers, textChanges] = await Promise.all([
      this.updates.awaitingApproval(),
      this.campaigns.list(),
      this.credits.list({ status: 'pending_approval', limit: 200 }),
      this.numberChanges.list({ state: 'open', held: true, limit: 200 }),
      this.offers.list(200),
      this.textChanges.awaiting(),
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
        .filter((c) => c.status === 'draft' && !c.returnedAt) // sent back: the author's move
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
      ...textChanges.map((c) => ({
        kind: 'text_change' as const,
        id: c.id,
        title: `Public text of “${c.incidentTitle}”`,
        detail: clip(
          Object.entries(c.fields)
            .map(([k, v]) => `${k}: ${[v].flat().join(', ')}`)
            .join('\n'),
        ),
        waitingSince: iso(c.createdAt),
        link: `/console/incidents/${c.incidentId}`,
        requestedBy: c.authorId,
        deciderRoles: c.approverRoles as StaffRole[],
        secondPerson: true,
      })),
    ];
    return candidates;
  }

  /** What was sent back to me, or rejected in the last week, newest first: my "sent back to you" list. */
  async returnedTo(me: { id: string }): Promise<Returned[]> {
    return (await this.returned()).filter((r) => r.authorId === me.id).map(({ authorId: _a, ...r }) => r);
  }

  /**
   * Everything sent back and not yet resubmitted (updates, campaigns), and offers and text changes rejected
   * in the last RETURNED_DAYS days, with their authors.
   */
  async returned(): Promise<Array<Returned & { authorId: string | null }>> {
    const since = new Date(this.clock.now().getTime() - RETURNED_DAYS * 86_400_000);
    const [updates, campaigns, offers, textChanges] = await Promise.all([
      this.updates.returned(),
      this.campaigns.list(),
      this.offers.list(200),
      this.textChanges.rejectedSince(since),
    ]);
    const out: Array<Returned & { authorId: string | null }> = [
      ...updates.map((u) => ({
        kind: 'update' as const,
        id: u.id,
        title: `Update to “${u.incidentTitle}”`,
        outcome: 'sent_back' as const,
        comment: u.returnedComment ?? '',
        decidedAt: iso(u.returnedAt!),
        link: `/console/incidents/${u.incidentId}`,
        authorId: u.authorId,
      })),
      ...campaigns
        .filter((c) => c.status === 'draft' && c.returnedAt)
        .map((c) => ({
          kind: 'campaign' as const,
          id: c.id,
          title: `Campaign “${c.name}”`,
          outcome: 'sent_back' as const,
          comment: c.returnedComment ?? '',
          decidedAt: iso(c.returnedAt!),
          link: `/console/campaigns/${c.id}`,
          authorId: c.createdBy,
        })),
      ...offers
        .filter((o) => o.approvalStatus === 'rejected' && o.rejectedAt && o.rejectedAt > since)
        .map((o) => ({
          kind: 'offer' as const,
          id: o.id,
          title: `Offer “${o.name}”`,
          outcome: 'rejected' as const,
          comment: o.rejectedReason ?? '',
          decidedAt: iso(o.rejectedAt!),
          link: `/console/approvals`,
          authorId: o.createdBy,
        })),
      ...textChanges.map((c) => ({
        kind: 'text_change' as const,
        id: c.id,
        title: `Public text of “${c.incidentTitle}”`,
        outcome: 'rejected' as const,
        comment: c.rejectedReason ?? '',
        decidedAt: iso(c.rejectedAt!),
        link: `/console/incidents/${c.incidentId}`,
        authorId: c.authorId,
      })),
    ];
    return out.sort((a, b) => b.decidedAt.localeCompare(a.decidedAt) || a.id.localeCompare(b.id));
  }

  /** What live views compare: the inbox's items and any incident or update change. */
  async marker(me: { id: string; role: StaffRole }): Promise<{ count: number; marker: string }> {
    const [items, back, incidents] = await Promise.all([
      this.inbox(me),
      this.returnedTo(me),
      this.updates.changeMarker(),
    ]);
    const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id).join(',');
    return { count: items.length, marker: `${ids(items)}#${ids(back)}#${incidents}` };
  }
}
