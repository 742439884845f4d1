import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exposureAnswer, fill, verifyAnswer } from './customer-pages-view';
import { templatesDir } from './status-renderer';

const read = (f: string) => JSON.parse(readFileSync(join(templatesDir(), f), 'utf8'));
const strings = (l: string) => ({ ...read(`strings.${l}.json`), ...read(`account.${l}.json`) });
const en = strings('en');
const cy = strings('cy');
const masked = '+44 7*** ***001';

describe('customer pages view', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(fill('a {x} b {y}', { x: 1 })).toBe('a 1 b {y}');
  });

  it('says "not checked yet" before any completed analysis run', () => {
    const v = exposureAnswer(
      { analysed: false, affected: false, checkedAt: null, exposure: null },
      masked,
      'en',
      en,
    );
    expect(v).toMatchObject({ tone: 'pending', heading: en.answerNotChecked, facts: [] });
  });

  it('says "not affected" with the masked number and when it was checked', () => {
    const v = exposureAnswer(
      { analysed: true, affected: false, checkedAt: '2025-11-26T10:00:00.000Z', exposure: null },
      masked,
      'en',
      en,
    );
    expect(v.tone).toBe('ok');
    expect(v.heading).toBe(`Your number ${masked} was not affected.`);
    expect(v.facts).toEqual([
      {
        label: en.checkedAt,
        value: '',
        time: { iso: '2025-11-26T10:00:00.000Z', text: expect.stringContaining('10:00') },
      },
    ]);
  });

  it('gives the observed window and the count of sites when affected, in Welsh too', () => {
    const e = {
      analysed: true,
      affected: true,
      checkedAt: '2025-11-26T10:00:00.000Z',
      exposure: {
        count: 7,
        firstSeen: '2025-11-24T09:05:00.000Z',
        lastSeen: '2025-11-25T18:30:00.000Z',
        websites: ['a.example', 'b.example'],
      },
    };
    const v = exposureAnswer(e, masked, 'cy', cy);
    expect(v.tone).toBe('bad');
    expect(v.heading).toBe(`Effeithiwyd ar eich rhif ${masked}.`);
    expect(v.facts.map((f) => f.label)).toEqual([cy.firstSeen, cy.lastSeen, cy.sitesCount, cy.checkedAt]);
    expect(v.facts[0].time!.iso).toBe('2025-11-24T09:05:00.000Z');
    expect(v.facts[2].value).toBe('2');
    // no websites known: no count shown rather than "0"
    const none = exposureAnswer({ ...e, exposure: { ...e.exposure, websites: [] } }, masked, 'en', en);
    expect(none.facts.map((f) => f.label)).toEqual([en.firstSeen, en.lastSeen, en.checkedAt]);
  });

  it('describes a genuine message by channel and time, and an unknown code with advice', () => {
    const ok = verifyAnswer(
      { genuine: true, channel: 'sms', sentAt: '2025-11-24T09:05:00Z', kind: 'breach-notice' },
      'ab12-cd',
      'cy',
      cy,
    );
    expect(ok.genuine).toBe(true);
    expect(ok.text).toContain('AB12-CD');
    expect(ok.text).toContain(cy.channelSms);
    // what it was about, in customer words, never a campaign's internal name
    expect(ok.about).toBe(cy.kinds['breach-notice']);
    const other = verifyAnswer(
      { genuine: true, channel: 'email', sentAt: null, kind: 'new-kind' },
      'x',
      'en',
      en,
    );
    expect(other.about).toBe(en.kinds.other);
    const bad = verifyAnswer({ genuine: false }, 'nope', 'en', en);
    expect(bad).toEqual({
      genuine: false,
      heading: 'Not recognised.',
      text: expect.stringContaining('nope'),
      about: null,
    });
  });

  it('has every string in both languages', () => {
    expect(Object.keys(cy).sort()).toEqual(Object.keys(en).sort());
  });
});
