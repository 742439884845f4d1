import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { templatesDir } from '../status-page/status-renderer';
import {
  accountExposure,
  displayNumber,
  navView,
  numberChangeView,
  offersView,
  pounds,
} from './account-view';

const read = (f: string) => JSON.parse(readFileSync(join(templatesDir(), f), 'utf8'));
const en = { ...read('strings.en.json'), ...read('account.en.json') };
const cy = { ...read('strings.cy.json'), ...read('account.cy.json') };

/** Every key path of a strings object, nested ones too. */
const paths = (o: Record<string, unknown>, p = ''): string[] =>
  Object.entries(o).flatMap(([k, v]) =>
    v && typeof v === 'object' ? [p + k, ...paths(v as Record<string, unknown>, `${p}${k}.`)] : [p + k],
  );

describe('My account view models', () => {
  it('has every string, nested ones too, in both languages', () => {
    expect(paths(cy).sort()).toEqual(paths(en).sort());
  });

  it('writes pence as pounds and a UK number as its owner writes it', () => {
    expect(pounds(500, en)).toBe('£5.00');
    expect(pounds(-1234, en)).toBe('-£12.34');
    expect(displayNumber('+447922100001')).toBe('07922 100001');
    expect(displayNumber('+33612345678')).toBe('+33612345678');
  });

  it('shows the exposure with its count first, first and last seen with the year, websites sorted', () => {
    const v = accountExposure(
      {
        analysed: true,
        affected: true,
        checkedAt: '2025-11-26T10:00:00Z',
        exposure: {
          count: 6,
          firstSeen: '2025-11-24T09:05:00Z',
          lastSeen: '2025-11-25T19:07:00Z',
          websites: ['b.example', 'a.example'],
        },
      },
      '+44 7*** ***001',
      'cy',
      cy,
    );
    expect(v.answer.facts[0]).toEqual({ label: cy.exposureCount, value: '6', time: null });
    expect(v.answer.facts[1].time!.text).toContain('2025');
    expect(v.answer.facts[2].time!.text).toContain('2025');
    expect(v.websites).toEqual(['a.example', 'b.example']);
    const none = accountExposure(
      { analysed: true, affected: false, checkedAt: null, exposure: null },
      'x',
      'en',
      en,
    );
    expect(none.websites).toEqual([]);
    expect(none.answer.facts.map((f) => f.label)).not.toContain(en.exposureCount);
  });

  it('marks the current section in the navigation and keeps the language in its links', () => {
    const nav = navView('offers', 'cy', cy);
    expect(nav.filter((n) => n.current).map((n) => n.href)).toEqual(['/account/offers?lang=cy']);
  });

  it('offers a claim button only for an open, unclaimed offer that is claimed by button', () => {
    const base = {
      id: 'o1',
      name: 'Sorry',
      benefit: '£5.00 credit',
      claimOpensAt: '2025-11-01T00:00:00Z',
      claimClosesAt: '2025-12-31T00:00:00Z',
      window: 'open',
      mode: 'claim',
      keyword: 'SORRY',
      claimId: null,
      claimedAt: null,
    };
    expect(offersView([base], 'en', en)[0]).toMatchObject({ canClaim: true, claimLabel: 'Claim Sorry' });
    expect(
      offersView([{ ...base, claimId: 'c', claimedAt: '2025-11-02T00:00:00Z' }], 'en', en)[0].canClaim,
    ).toBe(false);
    expect(offersView([{ ...base, window: 'closed' }], 'en', en)[0].canClaim).toBe(false);
    expect(offersView([{ ...base, mode: 'auto' }], 'en', en)[0].canClaim).toBe(false);
  });

  it('walks the number-change wizard: start, choose until the earliest lapse, state, cancel while allowed', () => {
    const r = {
      id: 'r1',
      state: 'verified',
      newMsisdn: null,
      scheduledAt: null,
      createdAt: new Date('2025-12-01T10:00:00Z'),
      heldForSupervisor: false,
      cutoverStartedAt: null,
    };
    expect(numberChangeView(null, [], true, 'en', en)).toMatchObject({
      request: null,
      canStart: true,
      hasEmail: true,
    });
    const offers = [
      { msisdn: '+447922100001', reservedUntil: new Date('2025-12-01T10:15:00Z') },
      { msisdn: '+447922100002', reservedUntil: new Date('2025-12-01T10:14:00Z') },
    ];
    const choosing = numberChangeView(r, offers, false, 'en', en);
    expect(choosing).toMatchObject({ canStart: false, request: { choosing: true, canCancel: true } });
    expect(choosing.offersUntil).toContain('10:14');
    expect(choosing.offers[0].display).toBe('07922 100001');
    const planned = numberChangeView(
      { ...r, state: 'scheduled', newMsisdn: '+447922100001', scheduledAt: new Date('2025-12-02T14:30:00Z') },
      [],
      false,
      'en',
      en,
    );
    expect(planned.request!.planned!.text).toContain('14:30');
    const started = numberChangeView(
      { ...r, state: 'scheduled', cutoverStartedAt: new Date() },
      [],
      false,
      'en',
      en,
    );
    expect(started.request!.canCancel).toBe(false);
    const done = numberChangeView({ ...r, state: 'completed' }, [], false, 'en', en);
    expect(done).toMatchObject({ canStart: true, request: { canCancel: false, held: false } });
  });
});
