/** SLA clock of a request: breached when still open past its due time (or closed after it). */
export interface SlaStatus {
  dueAt: Date;
  /** Negative once overdue; frozen at the time the request closed. */
  remainingSeconds: number;
  breached: boolean;
}

export function slaStatus(dueAt: Date, now: Date, closedAt: Date | null = null): SlaStatus {
  const at = closedAt ?? now;
  const remainingSeconds = Math.round((dueAt.getTime() - at.getTime()) / 1000);
  return { dueAt, remainingSeconds, breached: remainingSeconds < 0 };
}
