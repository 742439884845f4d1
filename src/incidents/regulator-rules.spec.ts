import { dutiesOf, findDuty, noticeRefusal, regulatorClocks } from './regulator-rules';

const at = (iso: string) => new Date(iso);
const aware = at('2025-11-25T08:00:00Z');
const breach = (rules: string[]) => ({
  personalDataBreach: true,
  becameAwareAt: aware,
  regulatorRules: rules,
});

describe('regulator rules', () => {
  it('runs no clock on an incident that is not a personal-data breach', () => {
    expect(
      regulatorClocks(
        { personalDataBreach: false, becameAwareAt: aware, regulatorRules: ['pecr_5a_2025'] },
        aware,
        [],
      ),
    ).toEqual([]);
  });

  it('PECR 5A (2025): 72 hours from becoming aware, reasons if late, phases allowed', () => {
    const [c] = regulatorClocks(breach(['pecr_5a_2025']), at('2025-11-26T08:00:00Z'), []);
    expect(c).toMatchObject({
      kind: 'pecr_5a',
      deadline: '2025-11-28T08:00:00.000Z',
      state: 'running',
      msLeft: 48 * 3600_000,
      reasonsIfLate: true,
      phased: true,
    });
    expect(c.standard).toMatch(/without undue delay/);
  });

  it('the legacy rule: 24 hours for the initial notice, full details 3 days after it', () => {
    const clocks = regulatorClocks(breach(['pecr_legacy_24h']), at('2025-11-26T09:00:00Z'), []);
    expect(clocks.map((c) => [c.kind, c.deadline, c.state])).toEqual([
      ['pecr_legacy_initial', '2025-11-26T08:00:00.000Z', 'overdue'],
      ['pecr_legacy_full', '2025-11-29T08:00:00.000Z', 'running'],
    ]);
    const after = regulatorClocks(breach(['pecr_legacy_24h']), at('2025-11-26T09:00:00Z'), [
      {
        kind: 'pecr_legacy_initial',
        phase: 'initial',
        notifiedAt: at('2025-11-25T20:00:00Z'),
        reference: 'I-1',
      },
    ]);
    expect(after[0]).toMatchObject({ state: 'done', msLeft: null, reference: 'I-1' });
    expect(after[1].deadline).toBe('2025-11-28T20:00:00.000Z');
  });

  it('records phases and notes a late first notice', () => {
    const [c] = regulatorClocks(breach(['uk_gdpr_art33']), at('2025-12-01T00:00:00Z'), [
      { kind: 'uk_gdpr_art33', phase: 'further', notifiedAt: at('2025-11-30T00:00:00Z'), reference: 'B' },
      { kind: 'uk_gdpr_art33', phase: 'initial', notifiedAt: at('2025-11-28T09:00:00Z'), reference: 'A' },
    ]);
    expect(c).toMatchObject({ state: 'done_late', reference: 'A' });
    expect(c.phases.map((p) => p.phase)).toEqual(['initial', 'further']);
  });

  it('lists each duty once when two rules are selected', () => {
    expect(dutiesOf(['pecr_5a_2025', 'uk_gdpr_art33', 'nope']).map((d) => d.kind)).toEqual([
      'pecr_5a',
      'uk_gdpr_art33',
    ]);
  });

  it('refuses a late notice without reasons, phases where the rule has none, and times before awareness', () => {
    const pecr = findDuty(['pecr_5a_2025'], 'pecr_5a')!;
    const deadline = at('2025-11-28T08:00:00Z');
    expect(noticeRefusal(pecr, aware, deadline, at('2025-11-27T08:00:00Z'), 'initial', undefined)).toBeNull();
    expect(noticeRefusal(pecr, aware, deadline, at('2025-11-29T08:00:00Z'), 'initial', '  ')).toMatch(
      /reasons for the delay/,
    );
    expect(
      noticeRefusal(pecr, aware, deadline, at('2025-11-29T08:00:00Z'), 'initial', 'forensics took 4 days'),
    ).toBeNull();
    expect(noticeRefusal(pecr, aware, deadline, at('2025-11-24T08:00:00Z'), 'initial', undefined)).toMatch(
      /before the operator became aware/,
    );
    const legacy = findDuty(['pecr_legacy_24h'], 'pecr_legacy_initial')!;
    expect(noticeRefusal(legacy, aware, deadline, aware, 'further', undefined)).toMatch(/no phases/);
  });
});
