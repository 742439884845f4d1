import type { CampaignStatus } from './campaign.entity';

export type CampaignAction =
  'approve' | 'start' | 'schedule' | 'pause' | 'resume' | 'cancel' | 'begin' | 'complete';

/** The campaign lifecycle in one table: which action is allowed from which state, and where it leads. */
const TRANSITIONS: Record<CampaignAction, { from: CampaignStatus[]; to: CampaignStatus }> = {
  approve: { from: ['draft'], to: 'approved' },
  start: { from: ['approved'], to: 'running' },
  schedule: { from: ['approved'], to: 'scheduled' },
  begin: { from: ['scheduled'], to: 'running' }, // the scheduled time arrived
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['draft', 'approved', 'scheduled', 'running', 'paused'], to: 'cancelled' },
  complete: { from: ['running'], to: 'completed' },
};

export function transition(action: CampaignAction, from: CampaignStatus): CampaignStatus | null {
  const t = TRANSITIONS[action];
  return t.from.includes(from) ? t.to : null;
}

export function allowedFrom(action: CampaignAction): CampaignStatus[] {
  return TRANSITIONS[action].from;
}
