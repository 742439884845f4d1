import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SYSTEM_ACTOR } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { StaffUser } from '../identity/staff-user.entity';
import { UsersService } from '../identity/users.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { dueReminders, minutesText, reminderAudience, ReminderKind } from './cadence';
import { IncidentReminder } from './incident-reminder.entity';
import { NotificationsService } from '../notifications/notifications.service';
import { RemindersRepository, UpdatePromise } from './reminders.repository';
import { formatUkTime } from './uk-time';

/**
 * Holds staff to the "next update by" promise: `tick()` (run by the worker every few seconds, and by tests
 * with a moved clock) records each due reminder once (unique per promise and kind) and messages the
 * on-duty comms staff; the overdue one escalates to supervisors.
 */
@Injectable()
export class RemindersService {
  private readonly logger = new Logger(RemindersService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly notifications: NotificationsService,
    private readonly reminders: RemindersRepository,
  ) {}

  /** Fires every reminder due now; returns the ones recorded by this call. */
  async tick(): Promise<IncidentReminder[]> {
    const now = this.clock.now();
    const lead = this.config.incidents.reminderLeadMinutes;
    // The promise in force per open incident: its latest published update that is not a correction.
    const promises = await this.reminders.promisesDue(now, lead);
    const fired: IncidentReminder[] = [];
    for (const p of promises) {
      const due = dueReminders(p.nextUpdateBy, now, lead);
      for (const kind of due) {
        // Every row is recorded, but only the latest stage is worth a message.
        const send = kind === due[due.length - 1];
        const r = await this.fire(p, kind, now, send);
        if (r) fired.push(r);
      }
    }
    return fired;
  }

  list(incidentId?: string): Promise<IncidentReminder[]> {
    return this.db.getRepository(IncidentReminder).find({
      where: incidentId ? { incidentId } : {},
      order: { firedAt: 'DESC' },
      take: 200,
    });
  }

  private async fire(
    p: UpdatePromise,
    kind: ReminderKind,
    now: Date,
    send: boolean,
  ): Promise<IncidentReminder | null> {
    return this.db.transaction(async (m) => {
      const id = await this.reminders.insertOnce(m, p, kind, now);
      if (!id) return null; // another tick (or instance) already fired it
      const staff = send ? await this.recipients(kind, p) : [];
      let recipients = 0;
      for (const user of staff) recipients += await this.notify(m, id, kind, p, user);
      await m.update(IncidentReminder, { id }, { recipients });
      await this.audit.record(m, SYSTEM_ACTOR, {
        action: `incident.reminder.${kind}`,
        targetType: 'incident',
        targetId: p.incidentId,
        summary: { updateId: p.updateId, nextUpdateBy: p.nextUpdateBy, recipients },
      });
      this.logger.log(`reminder ${kind} for incident ${p.incidentId}: ${recipients} staff messages`);
      return m.findOneOrFail(IncidentReminder, { where: { id } });
    });
  }

  /** The people a stage reaches (deduplicated; the lead and deputy only while they are active). */
  private async recipients(kind: ReminderKind, p: UpdatePromise): Promise<StaffUser[]> {
    const leads = [p.commsLeadId, p.commsDeputyId].filter((x): x is string => !!x);
    const who = reminderAudience(kind, leads);
    const byRole = who.roles.length ? await this.users.findActiveByRoles(who.roles) : [];
    const named = who.userIds.length
      ? await this.db
          .getRepository(StaffUser)
          .find({ where: who.userIds.map((id) => ({ id, active: true })) })
      : [];
    const all = new Map<string, StaffUser>();
    for (const u of [...named, ...byRole]) all.set(u.id, u);
    return [...all.values()];
  }

  /** One reminder to one person: email, and SMS when they have a phone on file. */
  private async notify(
    m: EntityManager,
    reminderId: string,
    kind: ReminderKind,
    p: UpdatePromise,
    user: StaffUser,
  ) {
    const now = this.clock.now();
    // The real time left (or late), from the clock, not the configured lead time.
    const left = minutesText(p.nextUpdateBy.getTime() - now.getTime());
    const base = {
      incidentTitle: p.title,
      nextUpdateBy: formatUkTime(p.nextUpdateBy, 'en', now).text,
      staffUrl: `${this.config.http.publicBaseUrl}/console/incidents/${p.incidentId}`,
    };
    const vars =
      kind === 'due_soon'
        ? { ...base, minutesLeft: String(left.minutes), timeLeft: left.text }
        : { ...base, minutesLate: String(left.minutes), timeLate: left.text };
    const channels: Array<{ channel: 'email' | 'sms'; to: string }> = [{ channel: 'email', to: user.email }];
    if (user.phone) channels.push({ channel: 'sms', to: user.phone });
    for (const c of channels) {
      await this.notifications.queue(m, {
        kind: kind === 'due_soon' ? 'incident-update-due' : 'incident-update-overdue',
        channel: c.channel,
        to: c.to,
        locale: 'en',
        vars,
        dedupeKey: `incident-reminder:${reminderId}:${user.id}:${c.channel}`,
      });
    }
    return channels.length;
  }
}
