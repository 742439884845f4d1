import { quietKinds } from './message-kinds';
import { quietHoursEnd } from './quiet-hours';

/** Why some of a campaign's messages wait, and until when (the preview's and progress's `holds`). */
export interface CampaignHold {
  channel: 'sms' | 'email';
  reason: 'quiet_hours' | 'rate' | 'paused';
  /** What staff read. */
  message: string;
  /** When sending resumes (ISO), or null when a person must act (paused). */
  resumesAt: string | null;
  /** The same in UK local time with the zone ("Fri 4 Dec 2026, 08:00 GMT"). */
  resumesAtUk: string | null;
  /** Seconds from now until it resumes (0 when a person must act). */
  waitSeconds: number;
}

/** "Fri 4 Dec 2026, 08:00 GMT": UK local time with its zone (GMT or BST). */
export function ukDateTime(at: Date, tz: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  })
    .formatToParts(at)
    .reduce<Record<string, string>>((acc, p) => ({ ...acc, [p.type]: p.value }), {});
  return `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}

/** A hold that ends at `at`, in both time forms. */
export function holdUntil(
  channel: CampaignHold['channel'],
  reason: CampaignHold['reason'],
  message: string,
  now: Date,
  at: Date | null,
  tz: string,
): CampaignHold {
  return {
    channel,
    reason,
    message,
    resumesAt: at?.toISOString() ?? null,
    resumesAtUk: at ? ukDateTime(at, tz) : null,
    waitSeconds: at ? Math.max(0, Math.ceil((at.getTime() - now.getTime()) / 1000)) : 0,
  };
}

/** Adds each channel's longest hold to its ETA (a held channel with no rate limit: the hold alone). */
export function etaWithHolds(
  eta: { sms: number | null; email: number | null },
  holds: CampaignHold[],
): { sms: number | null; email: number | null } {
  const wait = (ch: 'sms' | 'email') =>
    Math.max(0, ...holds.filter((h) => h.channel === ch).map((h) => h.waitSeconds));
  const add = (ch: 'sms' | 'email') => (wait(ch) > 0 ? (eta[ch] ?? 0) + wait(ch) : eta[ch]);
  return { sms: add('sms'), email: add('email') };
}

/** When a campaign's SMS held by quiet hours now would be released (null: not held now). */
export function smsHeldUntil(
  c: { ignoreQuietHours: boolean; kind: string },
  n: { quietHours: { start: number; end: number } | null; quietHoursTz: string },
  now: Date,
): Date | null {
  if (c.ignoreQuietHours || !quietKinds().includes(c.kind)) return null;
  return quietHoursEnd(now, n.quietHours, n.quietHoursTz);
}
