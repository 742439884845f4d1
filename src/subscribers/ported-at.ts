/**
 * The subscribers CSV's optional `ported_in_at` cell: an ISO 8601 date or date-time. A date alone is
 * midnight UTC, a time without a zone is UTC (operators' exports are). An empty cell means "not ported"
 * (null); anything else that is not a real instant, or is in the future, is invalid.
 */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** A day's grace for a port recorded "today" in a zone ahead of UTC or a clock slightly ahead. */
const FUTURE_GRACE_MS = 86_400_000;

export function parsePortedInAt(raw: string, now: Date): Date | null | 'invalid' {
  const cell = raw.trim();
  if (cell === '') return null;
  const m = ISO.exec(cell);
  if (!m) return 'invalid';
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const fields = [+y, +mo - 1, +d, +h, +mi, +s] as const;
  const utc = Date.UTC(...fields, Math.floor(+frac.padEnd(3, '0').slice(0, 3)));
  // Date.UTC rolls 31 February over into March; a real date survives the round trip.
  const back = new Date(utc);
  const real =
    back.getUTCFullYear() === fields[0] &&
    back.getUTCMonth() === fields[1] &&
    back.getUTCDate() === fields[2] &&
    back.getUTCHours() === fields[3] &&
    back.getUTCMinutes() === fields[4] &&
    back.getUTCSeconds() === fields[5];
  if (!real) return 'invalid';
  const at = new Date(utc - zoneOffsetMs(zone));
  return at.getTime() > now.getTime() + FUTURE_GRACE_MS ? 'invalid' : at;
}

/** `Z` → 0, `+01:00` / `-0530` → the offset ahead of UTC. */
function zoneOffsetMs(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (+digits.slice(0, 2) * 60 + +digits.slice(2)) * 60_000;
}
