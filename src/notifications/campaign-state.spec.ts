import { CampaignStatus } from './campaign.entity';
import { CampaignAction, campaignMachine } from './campaign-state';

const transition = (action: CampaignAction, from: CampaignStatus) => campaignMachine.next(from, action);

describe('campaign transitions', () => {
  const all: CampaignStatus[] = [
    'draft',
    'approved',
    'scheduled',
    'running',
    'paused',
    'completed',
    'cancelled',
  ];
  const legal: Array<[CampaignAction, CampaignStatus, CampaignStatus]> = [
    ['approve', 'draft', 'approved'],
    ['start', 'approved', 'running'],
    ['schedule', 'approved', 'scheduled'],
    ['begin', 'scheduled', 'running'],
    ['pause', 'running', 'paused'],
    ['resume', 'paused', 'running'],
    ['complete', 'running', 'completed'],
    ['cancel', 'draft', 'cancelled'],
    ['cancel', 'running', 'cancelled'],
    ['cancel', 'paused', 'cancelled'],
  ];

  it.each(legal)('%s: %s → %s', (action, from, to) => expect(transition(action, from)).toBe(to));

  it('refuses everything else', () => {
    const actions: CampaignAction[] = [
      'approve',
      'start',
      'schedule',
      'begin',
      'pause',
      'resume',
      'complete',
    ];
    for (const action of actions)
      for (const from of all) {
        const expected = legal.find(([a, f]) => a === action && f === from)?.[2] ?? null;
        expect(transition(action, from)).toBe(expected);
      }
    expect(transition('cancel', 'completed')).toBeNull();
    expect(transition('cancel', 'cancelled')).toBeNull();
    expect(transition('start', 'draft')).toBeNull(); // never without approval
  });

  it('says why a refused action was refused', () => {
    expect(campaignMachine.refusal('campaign', 'completed', 'pause')).toBe(
      'cannot pause a campaign that is completed (only from: running)',
    );
    expect(campaignMachine.from('cancel')).toEqual(['draft', 'approved', 'scheduled', 'running', 'paused']);
  });
});
