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
