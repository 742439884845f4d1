import { Injectable, OnModuleInit } from '@nestjs/common';
import { UsersService } from '../identity/users.service';
import { CampaignAlerts } from '../notifications/campaign-alerts';
import { NotificationsService } from '../notifications/notifications.service';
import { AppConfig } from '../platform/config';
import { Clock } from '../platform/clock/clock';

/**
 * When the SMS provider stops a campaign (carrier filtering, the account's configuration), the on-duty comms
 * staff and supervisors — the people who own the incident's messages — get an email, queued in the same
 * transaction as the pause (once per pause: the pause is a conditional move); a refusal that came back after the
 * campaign finished is told once per campaign and code (`campaign-refused`).
 */
@Injectable()
export class CampaignPauseAlerts implements OnModuleInit {
  constructor(
    private readonly alerts: CampaignAlerts,
    private readonly users: UsersService,
    private readonly notifications: NotificationsService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.alerts.register(async (m, alert) => {
      const at = this.clock.now().getTime();
      for (const user of await this.users.findActiveByRoles(['comms', 'supervisor']))
        await this.notifications.queue(m, {
          kind: alert.paused ? 'campaign-paused' : 'campaign-refused',
          channel: 'email',
          to: user.email,
          vars: {
            campaignName: alert.campaignName,
            reason: alert.reason,
            staffUrl: `${this.config.http.publicBaseUrl}/console/campaigns/${alert.campaignId}`,
          },
          dedupeKey: `campaign-paused:${alert.campaignId}:${user.id}:${at}`,
        });
    });
  }
}
