const formats = new Map<string, Intl.DateTimeFormat>();

/** Minutes after local midnight in `tz` at `at` (Intl handles UK summer time). */
function localMinutes(at: Date, tz: string): number {
  let format = formats.get(tz);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone: tz,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(tz, format);
  }
  const parts = format
    .formatToParts(at)
    .reduce<Record<string, string>>((acc, p) => ({ ...acc, [p.type]: p.value }), {});
  return Number(parts.hour) * 60 + Number(parts.minute);
}

/** True when `at` falls in the window (which may wrap midnight, e.g. 21:00-08:00). */
export function inQuietHours(at: Date, window: { start: number; end: number } | null, tz: string): boolean {
  if (!window || window.start === window.end) return false;
  const m = localMinutes(at, tz);
  return window.start < window.end
    ? m >= window.start && m < window.end
    : m >= window.start || m < window.end;
}

/**
 * When the quiet window that holds `at` ends (the first minute at or after `at` whose local time is the
 * window's end), or null when `at` is not in quiet hours. Stepping a whole number of minutes from `at`
 * and correcting by the hour a summer-time switch moves the wall clock keeps it right on both switch nights.
 */
export function quietHoursEnd(
  at: Date,
  window: { start: number; end: number } | null,
  tz: string,
): Date | null {
  if (!window || !inQuietHours(at, window, tz)) return null;
  const startOfMinute = at.getTime() - (at.getTime() % 60_000);
  const ahead = (window.end - localMinutes(at, tz) + 1440) % 1440;
  for (const shift of [0, -60, 60]) {
    const t = new Date(startOfMinute + (ahead + shift) * 60_000);
    if (t.getTime() > at.getTime() && localMinutes(t, tz) === window.end) return t;
  }
  return new Date(startOfMinute + ahead * 60_000);
}

/**
 * Seconds from `start` until `work` seconds of sending are done, when sending stops during the quiet window
 * (walked a minute at a time, so summer time and windows that wrap midnight count as they fall); null if it
 * would take more than a year.
 */
export function finishSeconds(
  work: number,
  start: Date,
  window: { start: number; end: number } | null,
  tz: string,
): number | null {
  if (!window || window.start === window.end) return Math.ceil(work);
  let left = work;
  for (let minute = 0; minute < 366 * 24 * 60; minute++) {
    if (inQuietHours(new Date(start.getTime() + minute * 60_000), window, tz)) continue;
    if (left <= 60) return Math.ceil(minute * 60 + left);
    left -= 60;
  }
  return null;
}
