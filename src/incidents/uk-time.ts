/** A moment as people in the UK read it ("Tuesday 25 November at 14:00 GMT"), in English or Welsh. */
export interface TimeView {
  iso: string;
  text: string;
}

export function formatUkTime(d: Date, locale: 'en' | 'cy', opts: { year?: boolean } = {}): TimeView {
  const text = new Intl.DateTimeFormat(locale === 'cy' ? 'cy-GB' : 'en-GB', {
    timeZone: 'Europe/London',
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(opts.year ? { year: 'numeric' as const } : {}),
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(d);
  return { iso: d.toISOString(), text };
}
