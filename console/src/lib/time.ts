/** Times in the console: always shown and entered in UK local time (Europe/London), with the zone. */
export const UK = 'Europe/London';

const shown = new Intl.DateTimeFormat('en-GB', {
  timeZone: UK,
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
});

/** "Thu 3 Dec, 14:05 GMT" (BST in summer). */
export function formatUk(iso: string | Date | null | undefined): string {
  if (!iso) return '—';
  return shown.format(new Date(iso)).replace(/ at /, ', ');
}

const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: UK,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** The UK wall clock at an instant, as the fields of a date. */
function ukFields(ms: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of parts.formatToParts(new Date(ms))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** Minutes the UK is ahead of UTC at this instant (0 or 60). */
function ukOffsetMs(ms: number): number {
  const f = ukFields(ms);
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * A UK wall-clock time typed into the form ("2026-12-03T14:05") → the instant, ISO 8601 UTC. A time the
 * spring change skips is read as the same minutes after the change; an autumn time that occurs twice is
 * the first (BST) one. Null when the text is not a date-time.
 */
export function ukLocalToIso(local: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(local.trim());
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // try the offset an hour before and at the wall time: the earlier reading wins when both fit
  for (const guess of [ukOffsetMs(wall - 3_600_000), ukOffsetMs(wall)]) {
    const at = wall - guess;
    if (ukOffsetMs(at) === guess) return new Date(at).toISOString();
  }
  return new Date(wall - ukOffsetMs(wall - 3_600_000)).toISOString(); // skipped: the minutes after the change
}

/** An instant → the value a datetime-local field shows in UK time ("2026-12-03T14:05"). */
export function isoToUkLocal(iso: string | Date): string {
  const f = ukFields(new Date(iso).getTime());
  const p = (n: number) => String(n).padStart(2, '0');
  return `${f.year}-${p(f.month)}-${p(f.day)}T${p(f.hour)}:${p(f.minute)}`;
}

export type Tone = 'ok' | 'soon' | 'overdue';

/** "in 42 min" / "overdue by 5 min"; amber within `soonMinutes`, red once past. */
export function countdown(targetIso: string, nowMs: number, soonMinutes = 10): { text: string; tone: Tone } {
  const left = new Date(targetIso).getTime() - nowMs;
  const words = (ms: number) => {
    const min = Math.floor(Math.abs(ms) / 60_000);
    if (min < 1) return 'less than a minute';
    if (min < 90) return `${min} min`;
    const h = Math.floor(min / 60);
    return `${h} h ${min % 60} min`;
  };
  if (left < 0) return { text: `overdue by ${words(left)}`, tone: 'overdue' };
  return { text: `in ${words(left)}`, tone: left <= soonMinutes * 60_000 ? 'soon' : 'ok' };
}
