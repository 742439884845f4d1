/** Minutes after local midnight in `tz` at `at` (Intl handles UK summer time). */
function localMinutes(at: Date, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  })
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
