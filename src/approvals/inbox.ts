import type { StaffRole } from '../platform/http/principal';

/** One thing that waits for someone's decision, in the shape the console's inbox shows. */
export interface InboxItem {
  kind: 'update' | 'campaign' | 'credit' | 'number_change' | 'offer' | 'text_change';
  id: string;
  /** What it is, in words ("Update to “Gateway leak”", "Credit of £250.00"). */
  title: string;
  /** What is needed to decide (the text, the amount and reason, the fraud signals). */
  detail: string;
  waitingSince: string;
  /** The console page where it is decided. */
  link: string;
}

/** Something of mine a decider sent back with a comment, or rejected with a reason. */
export interface Returned {
  kind: 'update' | 'campaign' | 'offer' | 'text_change';
  id: string;
  title: string;
  outcome: 'sent_back' | 'rejected';
  /** The decider's comment or reason. */
  comment: string;
  decidedAt: string;
  link: string;
}

/** Who asked for it and who may decide it: the rules the owning modules enforce, applied to the list. */
export interface Candidate extends InboxItem {
  requestedBy: string | null;
  deciderRoles: readonly StaffRole[];
  /** The requester may not decide it (a second person is required). */
  secondPerson: boolean;
}

/** The items this person may decide, oldest first. */
export function inboxFor(me: { id: string; role: StaffRole }, candidates: Candidate[]): InboxItem[] {
  return candidates
    .filter((c) => c.deciderRoles.includes(me.role))
    .filter((c) => !(c.secondPerson && c.requestedBy === me.id))
    .sort((a, b) => a.waitingSince.localeCompare(b.waitingSince) || a.id.localeCompare(b.id))
    .map(({ requestedBy: _r, deciderRoles: _d, secondPerson: _s, ...item }) => item);
}

/** £ with pence, as people write it. */
export function pounds(pence: number): string {
  return `£${(pence / 100).toFixed(2)}`;
}
