import { stateMachine } from '../platform/state/state-machine';
import type { CampaignStatus } from './campaign.entity';

export type CampaignAction =
  'approve' | 'start' | 'schedule' | 'pause' | 'resume' | 'cancel' | 'begin' | 'complete';

/** The campaign lifecycle in one table: which action is allowed from which state, and where it leads. */
export const campaignMachine = stateMachine<CampaignStatus, CampaignAction>({
  approve: { from: ['draft'], to: 'approved' },
  start: { from: ['approved'], to: 'running' },
  schedule: { from: ['approved'], to: 'scheduled' },
  begin: { from: ['scheduled'], to: 'running' }, // the scheduled time arrived
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['draft', 'approved', 'scheduled', 'running', 'paused'], to: 'cancelled' },
  complete: { from: ['running'], to: 'completed' },
});
