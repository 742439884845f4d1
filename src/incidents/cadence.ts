/**
 * Cadence and deadline arithmetic, pure: the "next update by" promise, when reminders fall due, and the
 * regulator clocks that start at detection.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface Cadence {
  /** Minutes between updates while the incident is fresh (hourly by default). */
  minutes: number;
  /** For how long after detection the fast cadence applies. */
  fastForHours: number;
  /** Minutes between updates after that. */
  slowMinutes: number;
}

/** The default promise attached to an update published at `publishedAt`. */
export function defaultNextUpdateBy(cadence: Cadence, detectedAt: Date, publishedAt: Date): Date {
  const fast = publishedAt.getTime() < detectedAt.getTime() + cadence.fastForHours * HOUR;
  return new Date(publishedAt.getTime() + (fast ? cadence.minutes : cadence.slowMinutes) * MINUTE);
}

export const REMINDER_KINDS = ['due_soon', 'overdue'] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

/** When each reminder for a promise falls due: `leadMinutes` before it, and at the moment it passes. */
export function reminderTimes(nextUpdateBy: Date, leadMinutes: number): Record<ReminderKind, Date> {
  return {
    due_soon: new Date(nextUpdateBy.getTime() - leadMinutes * MINUTE),
    overdue: nextUpdateBy,
  };
}

/** The reminders that are due at `now` for a promise (the caller records each once). */
export function dueReminders(nextUpdateBy: Date, now: Date, leadMinutes: number): ReminderKind[] {
  const times = reminderTimes(nextUpdateBy, leadMinutes);
  return REMINDER_KINDS.filter((k) => now.getTime() >= times[k].getTime());
}

/** Staff roles each reminder goes to: the overdue one escalates to supervisors as well. */
export const REMINDER_AUDIENCE: Record<ReminderKind, Array<'comms' | 'supervisor'>> = {
  due_soon: ['comms'],
  overdue: ['comms', 'supervisor'],
};

/**
 * The deadlines of a UK telecom personal-data breach, counted from detection: the initial notification
 * to the ICO within 24 hours (PECR reg. 5A with Commission Regulation 611/2013), and GDPR Art. 33's 72 hours.
 */
export const REGULATOR_CLOCKS = [
  { kind: 'pecr_initial', label: 'PECR initial notification to the ICO', hours: 24 },
  { kind: 'gdpr_art33', label: 'GDPR Art. 33 notification to the supervisory authority', hours: 72 },
] as const;
export type RegulatorClockKind = (typeof REGULATOR_CLOCKS)[number]['kind'];
export const REGULATOR_CLOCK_KINDS = REGULATOR_CLOCKS.map((c) => c.kind) as RegulatorClockKind[];

export interface RegulatorNoticeDone {
  notifiedAt: Date;
  reference: string;
}

export interface RegulatorClock {
  kind: RegulatorClockKind;
  label: string;
  deadline: string;
  /** Milliseconds left (negative once missed); null when done. */
  msLeft: number | null;
  state: 'running' | 'overdue' | 'done' | 'done_late';
  notifiedAt: string | null;
  reference: string | null;
}

export function regulatorClocks(
  detectedAt: Date,
  now: Date,
  done: Partial<Record<RegulatorClockKind, RegulatorNoticeDone>>,
): RegulatorClock[] {
  return REGULATOR_CLOCKS.map((c) => {
    const deadline = new Date(detectedAt.getTime() + c.hours * HOUR);
    const d = done[c.kind];
    const left = deadline.getTime() - now.getTime();
    const state = d
      ? d.notifiedAt.getTime() <= deadline.getTime()
        ? 'done'
        : 'done_late'
      : left >= 0
        ? 'running'
        : 'overdue';
    return {
      kind: c.kind,
      label: c.label,
      deadline: deadline.toISOString(),
      msLeft: d ? null : left,
      state,
      notifiedAt: d ? d.notifiedAt.toISOString() : null,
      reference: d ? d.reference : null,
    };
  });
}
