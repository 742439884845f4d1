import { emailCodeMessage, NUMBER_CHANGE_KINDS, plannedAtText, stepMessages } from './number-change-messages';

const request = {
  id: 'r1',
  oldMsisdn: '+447958100005',
  newMsisdn: '+447922100005',
  scheduledAt: new Date('2025-06-01T14:30:00Z'),
};
const subscriber = { id: 's1', email: 'sam@example.com', firstName: null, locale: 'cy' };

describe('number-change messages', () => {
  it('confirms a step by SMS to the old number and by email, with every declared variable', () => {
    const msgs = stepMessages('approved', request, subscriber);
    expect(msgs.map((m) => [m.channel, m.to, m.dedupeKey])).toEqual([
      ['sms', '+447958100005', 'number-change:r1:approved:old'],
      ['email', 'sam@example.com', 'number-change:r1:approved:email'],
    ]);
    for (const m of msgs) {
      expect(Object.keys(m.vars).sort()).toEqual(Object.keys(NUMBER_CHANGE_KINDS[m.kind].vars).sort());
      expect(m).toMatchObject({ locale: 'cy', subscriberId: 's1' });
    }
    expect(msgs[0].vars).toEqual({ firstName: '', newNumber: '+44 7*** ***005' });
  });

  it('also tells the new number once the change is complete', () => {
    const msgs = stepMessages('completed', request, { ...subscriber, email: null });
    expect(msgs.map((m) => m.to)).toEqual(['+447958100005', '+447922100005']);
  });

  it('puts the planned time in the message and in the dedupe key, so a reschedule is told again', () => {
    const [sms] = stepMessages('scheduled', request, subscriber);
    expect(sms.vars.plannedAt).toBe('2025-06-01 14:30 UTC');
    const later = stepMessages(
      'scheduled',
      { ...request, scheduledAt: new Date('2025-06-02T09:00:00Z') },
      subscriber,
    );
    expect(later[0].dedupeKey).not.toBe(sms.dedupeKey);
    expect(plannedAtText(new Date('2025-01-09T08:05:59Z'))).toBe('2025-01-09 08:05 UTC');
  });

  it('has no new number for steps that do not declare one', () => {
    expect(stepMessages('requested', { ...request, newMsisdn: null }, subscriber)[0].vars).toEqual({
      firstName: '',
    });
  });

  it('sends the email code to the email on file only', () => {
    expect(emailCodeMessage('r1', subscriber, '123456')).toMatchObject({
      kind: 'number-change-code',
      channel: 'email',
      to: 'sam@example.com',
      vars: { firstName: '', code: '123456' },
    });
  });
});
