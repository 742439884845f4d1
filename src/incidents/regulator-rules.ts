/**
 * The regulator duties of a personal-data breach, as data: which notification each rule asks for, by when
 * (counted from the moment the operator became aware), whether reasons for a late notice are required and
 * whether the information may come in phases. Pure: the clocks are computed from these rows and a time.
 *
 * Sources (README "Regulator rules"):
 * - PECR reg. 5A as amended by the Data (Use and Access) Act 2025, in force 20 August 2025: notify the ICO
 *   "without undue delay and, where feasible, not later than 72 hours after having become aware of it";
 *   a later notice comes with reasons for the delay; information may be provided in phases.
 * - UK GDPR Art. 33: notify the ICO without undue delay and, where feasible, within 72 hours; reasons for a
 *   delay (33(1)); information in phases (33(4)).
 * - The legacy rule (Commission Regulation (EU) No 611/2013 art. 2, as PECR applied it before 20 Aug 2025):
 *   an initial notification within 24 hours of detection, full details within 3 days of the initial one.
 * The clock starts when the provider has a reasonable degree of certainty that a breach occurred (credible
 * evidence, not certainty: TalkTalk v ICO, 2016).
 */

const HOUR = 3600_000;

export const NOTICE_KINDS = ['pecr_5a', 'uk_gdpr_art33', 'pecr_legacy_initial', 'pecr_legacy_full'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];
export const NOTICE_PHASES = ['initial', 'further', 'final'] as const;
export type NoticePhase = (typeof NOTICE_PHASES)[number];

export interface RegulatorDuty {
  kind: NoticeKind;
  label: string;
  /** The deadline, in hours after becoming aware (or after `after`'s notice once it is recorded). */
  hours: number;
  /** Counted from another duty's notice when recorded (until then, from that duty's deadline). */
  after?: NoticeKind;
  /** "where feasible" deadlines: a later notice is lawful but must give reasons for the delay. */
  reasonsIfLate: boolean;
  /** Information may be provided in phases (initial, further, final). */
  phased: boolean;
  standard: string;
}

export interface RegulatorRule {
  key: string;
  label: string;
  source: string;
  duties: RegulatorDuty[];
}

export const REGULATOR_RULES: RegulatorRule[] = [
  {
    key: 'pecr_5a_2025',
    label: 'PECR regulation 5A (as amended from 20 August 2025)',
    source:
      'Privacy and Electronic Communications (EC Directive) Regulations 2003, reg. 5A, as amended by the Data (Use and Access) Act 2025',
    duties: [
      {
        kind: 'pecr_5a',
        label: 'Notify the ICO (PECR reg. 5A)',
        hours: 72,
        reasonsIfLate: true,
        phased: true,
        standard: 'without undue delay and, where feasible, not later than 72 hours after becoming aware',
      },
    ],
  },
  {
    key: 'uk_gdpr_art33',
    label: 'UK GDPR Article 33',
    source: 'UK GDPR Art. 33(1) and 33(4)',
    duties: [
      {
        kind: 'uk_gdpr_art33',
        label: 'Notify the ICO (UK GDPR Art. 33)',
        hours: 72,
        reasonsIfLate: true,
        phased: true,
        standard: 'without undue delay and, where feasible, not later than 72 hours after becoming aware',
      },
    ],
  },
  {
    key: 'pecr_legacy_24h',
    label: 'PECR before 20 August 2025 (24 hours, Regulation 611/2013)',
    source: 'Commission Regulation (EU) No 611/2013, art. 2(2) and 2(3)',
    duties: [
      {
        kind: 'pecr_legacy_initial',
        label: 'Initial notification to the ICO (24 hours)',
        hours: 24,
        reasonsIfLate: false,
        phased: false,
        standard: 'no later than 24 hours after detection',
      },
      {
        kind: 'pecr_legacy_full',
        label: 'Full details to the ICO (within 3 days of the initial notification)',
        hours: 72,
        after: 'pecr_legacy_initial',
        reasonsIfLate: true,
        phased: false,
        standard: 'within three days of the initial notification',
      },
    ],
  },
];

export const REGULATOR_RULE_KEYS = REGULATOR_RULES.map((r) => r.key);
export const DEFAULT_REGULATOR_RULES = ['pecr_5a_2025'];

export interface NoticeDone {
  kind: string;
  phase: string;
  notifiedAt: Date;
  reference: string;
}

export interface RegulatorClock {
  rule: string;
  kind: NoticeKind;
  label: string;
  standard: string;
  deadline: string;
  /** Milliseconds left (negative once missed); null when done. */
  msLeft: number | null;
  state: 'running' | 'overdue' | 'done' | 'done_late';
  reasonsIfLate: boolean;
  phased: boolean;
  /** The first notice of this duty, when recorded. */
  notifiedAt: string | null;
  reference: string | null;
  phases: Array<{ phase: string; notifiedAt: string; reference: string }>;
}

/** The duties of the given rules (unknown keys are ignored; a duty shared by two rules appears once). */
export function dutiesOf(ruleKeys: string[]): Array<RegulatorDuty & { rule: string }> {
  const out: Array<RegulatorDuty & { rule: string }> = [];
  for (const r of REGULATOR_RULES.filter((x) => ruleKeys.includes(x.key)))
    for (const d of r.duties) if (!out.some((o) => o.kind === d.kind)) out.push({ ...d, rule: r.key });
  return out;
}

export function findDuty(ruleKeys: string[], kind: string): (RegulatorDuty & { rule: string }) | undefined {
  return dutiesOf(ruleKeys).find((d) => d.kind === kind);
}

/** The clocks of a breach, from when the operator became aware; none for an incident that is not a breach. */
export function regulatorClocks(
  incident: { personalDataBreach: boolean; becameAwareAt: Date | null; regulatorRules: string[] },
  now: Date,
  notices: NoticeDone[],
): RegulatorClock[] {
  if (!incident.personalDataBreach || !incident.becameAwareAt) return [];
  const start = incident.becameAwareAt.getTime();
  const duties = dutiesOf(incident.regulatorRules);
  const deadlineOf = (d: RegulatorDuty): number => {
    if (!d.after) return start + d.hours * HOUR;
    const prior = duties.find((x) => x.kind === d.after);
    const priorNotice = notices
      .filter((n) => n.kind === d.after)
      .sort((a, b) => a.notifiedAt.getTime() - b.notifiedAt.getTime())[0];
    const from = priorNotice ? priorNotice.notifiedAt.getTime() : prior ? deadlineOf(prior) : start;
    return from + d.hours * HOUR;
  };
  return duties.map((d) => {
    const deadline = deadlineOf(d);
    const mine = notices
      .filter((n) => n.kind === d.kind)
      .sort((a, b) => a.notifiedAt.getTime() - b.notifiedAt.getTime());
    const first = mine[0];
    const left = deadline - now.getTime();
    const state = first
      ? first.notifiedAt.getTime() <= deadline
        ? 'done'
        : 'done_late'
      : left >= 0
        ? 'running'
        : 'overdue';
    return {
      rule: d.rule,
      kind: d.kind,
      label: d.label,
      standard: d.standard,
      deadline: new Date(deadline).toISOString(),
      msLeft: first ? null : left,
      state,
      reasonsIfLate: d.reasonsIfLate,
      phased: d.phased,
      notifiedAt: first ? first.notifiedAt.toISOString() : null,
      reference: first ? first.reference : null,
      phases: mine.map((n) => ({
        phase: n.phase,
        notifiedAt: n.notifiedAt.toISOString(),
        reference: n.reference,
      })),
    };
  });
}

/** Why recording a notice is refused, or null: late ones need reasons, phases only where the rule allows. */
export function noticeRefusal(
  duty: RegulatorDuty,
  becameAwareAt: Date,
  deadline: Date,
  notifiedAt: Date,
  phase: NoticePhase,
  delayReasons: string | undefined,
): string | null {
  if (phase !== 'initial' && !duty.phased) return `${duty.label} is a single notification (no phases)`;
  if (notifiedAt.getTime() < becameAwareAt.getTime())
    return 'notifiedAt is before the operator became aware of the breach';
  const late = notifiedAt.getTime() > deadline.getTime();
  if (phase === 'initial' && late && duty.reasonsIfLate && !delayReasons?.trim())
    return `the notification is later than ${duty.hours} hours after becoming aware: give the reasons for the delay (delayReasons)`;
  return null;
}
