import {
  annexIIChecklist,
  ANNEX_II_ITEMS,
  filledValues,
  marketingPhrases,
  welshMissing,
} from './notice-composition';
import { MessageKind } from './message-kinds';

const complete: Record<string, string> = {
  operatorName: 'Candor Mobile',
  contactPoint: '0800 123 4567',
  contactDetails: 'Call us free.',
  whatHappened: 'A fault shared numbers.',
  whenItHappened: '17 to 24 November 2025.',
  dataConcerned: 'Your mobile number.',
  likelyConsequences: 'Unwanted calls.',
  otherCircumstances: 'No sign of misuse.',
  measuresTaken: 'Fixed on 24 November.',
  measuresRecommended: 'Be wary of calls.',
};

describe('notice composition', () => {
  it('lists all nine Annex II items and passes a notice that carries them', () => {
    expect(ANNEX_II_ITEMS.map((i) => i.item)).toEqual([
      'providerName',
      'contactPoint',
      'summary',
      'estimatedDate',
      'dataConcerned',
      'likelyConsequences',
      'otherCircumstances',
      'measuresTaken',
      'measuresRecommended',
    ]);
    const c = annexIIChecklist({ en: complete, cy: complete });
    expect(c).toMatchObject({ complete: true, missing: [] });
    expect(c.items.every((i) => i.en && i.cy)).toBe(true);
  });

  it('names each missing item; blank text is missing; Welsh gaps do not block', () => {
    const c = annexIIChecklist({ en: { ...complete, likelyConsequences: '  ', operatorName: '' }, cy: {} });
    expect(c.complete).toBe(false);
    expect(c.missing).toEqual(['Name of the provider', 'Likely consequences for the subscriber']);
    expect(c.items.find((i) => i.item === 'summary')).toMatchObject({ en: true, cy: false });
    expect(annexIIChecklist({ en: complete, cy: {} }).complete).toBe(true);
  });

  it('fills links per language: the incident when there is one, Welsh links in Welsh', () => {
    const op = { name: 'Candor Mobile', contactPoint: '0800 123 4567' };
    expect(filledValues('https://x.example', 'abc', 'cy', op)).toMatchObject({
      incidentUrl: 'https://x.example/status/incidents/abc?lang=cy',
      accountUrl: 'https://x.example/account?lang=cy',
      offersUrl: 'https://x.example/account/offers?lang=cy',
    });
    expect(filledValues('https://x.example', null, 'en', op).incidentUrl).toBe('https://x.example/status');
  });

  it('finds written text with no Welsh of its own', () => {
    const kind: MessageKind = {
      vars: { firstName: 'a', offerName: 'b', apology: 'c', offersUrl: 'u' },
      channels: ['sms'],
    };
    expect(
      welshMissing(kind, { offerName: 'a £5 credit', apology: 'Sorry.' }, { offerName: 'credyd £5' }),
    ).toEqual(['apology']);
  });

  it('refuses selling, not compensation', () => {
    expect(marketingPhrases('Upgrade to our new tariff today. We are sorry.')).toEqual(['Upgrade']);
    expect(marketingPhrases('Get 20% off a new handset')).toHaveLength(1);
    expect(marketingPhrases('Cynnig arbennig i chi')).toHaveLength(1);
    expect(marketingPhrases('We are offering you a £5 credit to say sorry.')).toEqual([]);
  });
});
