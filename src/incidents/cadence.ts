/**
 * Cadence and deadline arithmetic, pure: the "next update by" promise and when reminders fall due (the
 * regulator clocks are in regulator-rules.ts).
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

export const REMINDER_KINDS = ['due_soon', 'overdue', 'escalated'] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

/**
 * When each reminder for a promise falls due: `leadMinutes` before it, at the moment it passes, and
 * `leadMinutes` after that (the escalation to supervisors).
 */
export function reminderTimes(nextUpdateBy: Date, leadMinutes: number): Record<ReminderKind, Date> {
  return {
    due_soon: new Date(nextUpdateBy.getTime() - leadMinutes * MINUTE),
    overdue: nextUpdateBy,
    escalated: new Date(nextUpdateBy.getTime() + leadMinutes * MINUTE),
  };
}

/** The reminders that are due at `now` for a promise (the caller records each once). */
export function dueReminders(nextUpdateBy: Date, now: Date, leadMinutes: number): ReminderKind[] {
  const times = reminderTimes(nextUpdateBy, leadMinutes);
  return REMINDER_KINDS.filter((k) => now.getTime() >= times[k].getTime());
}

/**
 * Who each reminder goes to: the incident's comms lead and deputy first (everyone in comms when it has
 * none), then, once the promise lapsed, every comms user, then supervisors too.
 */
export function reminderAudience(
  kind: ReminderKind,
  leads: string[],
): { userIds: string[]; roles: Array<'comms' | 'supervisor'> } {
  if (kind === 'due_soon')
    return leads.length ? { userIds: leads, roles: [] } : { userIds: [], roles: ['comms'] };
  if (kind === 'overdue') return { userIds: leads, roles: ['comms'] };
  return { userIds: leads, roles: ['comms', 'supervisor'] };
}

/** "3 minutes", "1 minute", "less than a minute": the real time left (or late), rounded down. */
export function minutesText(ms: number): { minutes: number; text: string } {
  const minutes = Math.max(0, Math.floor(Math.abs(ms) / MINUTE));
  return {
    minutes,
    text: minutes === 0 ? 'less than a minute' : minutes === 1 ? '1 minute' : `${minutes} minutes`,
  };
}
