/** What holds a campaign's messages, as preview and progress give it (src/notifications/campaign-holds.ts). */
export interface CampaignHold {
  channel: 'sms' | 'email';
  reason: 'quiet_hours' | 'rate' | 'paused';
  message: string;
  resumesAt: string | null;
  resumesAtUk: string | null;
  waitSeconds: number;
}

/**
 * One sentence per rate hold: what waits, why, and when sending resumes in UK time. Quiet hours and pauses
 * have their own sentences on the screen already, so only the rate's are given here.
 */
export function rateHoldLines(holds: CampaignHold[] | undefined): string[] {
  return (holds ?? [])
    .filter((h) => h.reason === 'rate')
    .map(
      (h) =>
        `${h.channel === 'sms' ? 'Texts' : 'Emails'} wait their turn: ${h.message}` +
        (h.resumesAtUk ? ` Sending resumes ${h.resumesAtUk}.` : ''),
    );
}
