import { Injectable, Logger } from '@nestjs/common';
import { UsersService } from '../identity/users.service';
import { NotificationsService } from '../notifications/notifications.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { STAFF_ROLES } from '../platform/http/principal';
import { ApprovalsService } from './approvals.service';
import { inboxFor } from './inbox';

/**
 * Tells authors what was sent back to them, and reminds the people who may decide something that has waited longer than APPROVAL_REMINDER_MINUTES: an
 * email, and an SMS where they have a phone on file. Once per item, person and channel (the outbox's dedupe
 * key), however often the tick runs and however many workers run it; times come from the injected Clock.
 */
@Injectable()
export class ApprovalRemindersService {
  private readonly logger = new Logger(ApprovalRemindersService.name);

  constructor(
    private readonly approvals: ApprovalsService,
    private readonly users: UsersService,
    private readonly notifications: NotificationsService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** Queues the "sent back" notices and the reminders now due; returns how many messages were new. */
  async tick(): Promise<number> {
    return (await this.notifyReturned()) + (await this.remind());
  }

  /**
   * Emails each author what a decider sent back or rejected, with the comment: once per decision (the dedupe
   * key holds its time, so a second send-back after a resubmission is a new email).
   */
  async notifyReturned(): Promise<number> {
    const returned = (await this.approvals.returned()).filter((r) => r.authorId);
    if (!returned.length) return 0;
    const staff = new Map(
      (await this.users.findActiveByRoles([...STAFF_ROLES])).map((u) => [u.id, u] as const),
    );
    let queued = 0;
    for (const r of returned) {
      const author = staff.get(r.authorId!);
      if (!author) continue;
      const sent = await this.notifications.send({
        kind: 'approval-returned',
        channel: 'email',
        to: author.email,
        locale: 'en',
        vars: {
          what: r.title,
          outcome: r.outcome === 'rejected' ? 'rejected' : 'sent back to you',
          comment: r.comment,
          consoleUrl: `${this.config.http.publicBaseUrl}${r.link}`,
        },
        dedupeKey: `approval-returned:${r.kind}:${r.id}:${r.decidedAt}`,
      });
      if (!sent.duplicate) queued++;
    }
    return queued;
  }

  /** Reminds deciders of what has waited APPROVAL_REMINDER_MINUTES (0: never). */
  async remind(): Promise<number> {
    const minutes = this.config.approvals.reminderMinutes;
    if (!minutes) return 0;
    const now = this.clock.now().getTime();
    const waited = (since: string) => Math.floor((now - Date.parse(since)) / 60_000);
    const due = (await this.approvals.candidates()).filter((c) => waited(c.waitingSince) >= minutes);
    if (!due.length) return 0;
    const staff = await this.users.findActiveByRoles([...new Set(due.flatMap((c) => c.deciderRoles))]);
    let queued = 0;
    for (const c of due)
      for (const u of staff) {
        if (!inboxFor({ id: u.id, role: u.role }, [c]).length) continue; // not theirs to decide
        const to = [{ channel: 'email' as const, address: u.email }];
        if (u.phone) to.push({ channel: 'sms' as const, address: u.phone } as never);
        for (const { channel, address } of to) {
          const r = await this.notifications.send({
            kind: 'approval-waiting',
            channel,
            to: address,
            locale: 'en',
            vars: {
              what: c.title,
              waitingMinutes: String(waited(c.waitingSince)),
              consoleUrl: `${this.config.http.publicBaseUrl}${c.link}`,
            },
            dedupeKey: `approval-waiting:${c.kind}:${c.id}:${u.id}:${channel}`,
          });
          if (!r.duplicate) queued++;
        }
      }
    if (queued) this.logger.log(`approval reminders: ${queued} message(s) for ${due.length} waiting item(s)`);
    return queued;
  }
}
