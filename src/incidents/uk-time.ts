/** A moment as people in the UK read it ("Tuesday 25 November at 14:00 GMT"), in English or Welsh. */
export interface TimeView {
  iso: string;
  text: string;
}

const ukYear = (d: Date) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric' }).format(d);

/**
 * With `now`, the year is written whenever it is not the reader's current year ("Monday 24 November 2025 at
 * ..."), so last year's incident never reads as this year's.
 */
export function formatUkTime(d: Date, locale: 'en' | 'cy', now?: Date): TimeView {
  const withYear = now !== undefined && ukYear(d) !== ukYear(now);
  const text = new Intl.DateTimeFormat(locale === 'cy' ? 'cy-GB' : 'en-GB', {
    timeZone: 'Europe/London',
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(withYear ? { year: 'numeric' as const } : {}),
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(d);
  return { iso: d.toISOString(), text };
}
