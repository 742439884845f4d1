import { CampaignHold, rateHoldLines } from './holds';

const hold = (over: Partial<CampaignHold>): CampaignHold => ({
  channel: 'sms',
  reason: 'rate',
  message: '40 messages (80 segments) of other campaigns are ahead at 1 segments/s on this channel.',
  resumesAt: '2026-12-03T12:01:23.000Z',
  resumesAtUk: 'Thu 3 Dec 2026, 12:01 GMT',
  waitSeconds: 83,
  ...over,
});

describe('rate holds in the console', () => {
  it('says what waits, why, and when sending resumes in UK time', () => {
    expect(rateHoldLines([hold({})])).toEqual([
      'Texts wait their turn: 40 messages (80 segments) of other campaigns are ahead at 1 segments/s on this ' +
        'channel. Sending resumes Thu 3 Dec 2026, 12:01 GMT.',
    ]);
    expect(rateHoldLines([hold({ channel: 'email', message: '5 ahead.' })])[0]).toMatch(/^Emails wait/);
  });

  it('leaves quiet hours and pauses to their own sentences, and copes with no holds', () => {
    expect(
      rateHoldLines([
        hold({ reason: 'quiet_hours' }),
        hold({ reason: 'paused', resumesAt: null, resumesAtUk: null }),
      ]),
    ).toEqual([]);
    expect(rateHoldLines(undefined)).toEqual([]);
    expect(rateHoldLines([hold({ resumesAtUk: null })])[0]).not.toContain('Sending resumes');
  });
});
