import { describeBenefit, normaliseKeyword, offerProblems, OfferShape, windowState } from './offer-rules';

const base: OfferShape = {
  kind: 'credit',
  value: 500,
  claimOpensAt: new Date('2025-01-01T00:00:00Z'),
  claimClosesAt: new Date('2025-02-01T00:00:00Z'),
  eligibility: 'all',
};

describe('offer rules', () => {
  it('accepts a well-formed offer', () => {
    expect(offerProblems(base)).toEqual([]);
    expect(offerProblems({ ...base, kind: 'custom', value: null, benefit: 'A month of Netflix' })).toEqual(
      [],
    );
    expect(offerProblems({ ...base, eligibility: 'analysis_run', analysisRunId: 'r1' })).toEqual([]);
  });

  it('names the fields that do not fit together', () => {
    const fields = (o: Partial<OfferShape>) => offerProblems({ ...base, ...o }).map((p) => p.field);
    expect(fields({ value: 0 })).toEqual(['value']);
    expect(fields({ value: 2.5 })).toEqual(['value']);
    expect(fields({ value: 100_001 })).toEqual(['value']);
    expect(fields({ kind: 'data', value: 1_000_000 })).toEqual([]);
    expect(fields({ kind: 'custom', value: null, benefit: '  ' })).toEqual(['benefit']);
    expect(fields({ claimClosesAt: base.claimOpensAt })).toEqual(['claimClosesAt']);
    expect(fields({ eligibility: 'analysis_run' })).toEqual(['analysisRunId']);
    expect(fields({ analysisRunId: 'r1' })).toEqual(['analysisRunId']);
  });

  it('tells whether the claim window is open, with the close instant exclusive', () => {
    const { claimOpensAt: o, claimClosesAt: c } = base;
    expect(windowState(o, c, new Date('2024-12-31T23:59:59Z'))).toBe('not_open');
    expect(windowState(o, c, o)).toBe('open');
    expect(windowState(o, c, new Date(c.getTime() - 1))).toBe('open');
    expect(windowState(o, c, c)).toBe('closed');
  });

  it('reads the keyword from the first word of a reply', () => {
    expect(normaliseKeyword('  claim ')).toBe('CLAIM');
    expect(normaliseKeyword('Sorry5 please')).toBe('SORRY5');
    expect(normaliseKeyword('')).toBe('');
  });

  it('describes each kind of benefit', () => {
    expect(describeBenefit('credit', 505, null)).toBe('£5.05 account credit');
    expect(describeBenefit('sms_bundle', 100, null)).toBe('100 free texts');
    expect(describeBenefit('data', 2048, null)).toBe('2048 MB of free data');
    expect(describeBenefit('custom', null, 'Free roaming for a week')).toBe('Free roaming for a week');
    expect(describeBenefit('credit', 500, null, 'cy')).toBe("£5.00 o gredyd i'ch cyfrif");
    expect(describeBenefit('data', 1024, null, 'cy')).toBe('1024 MB o ddata am ddim');
  });
});
