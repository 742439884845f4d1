import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Command, CommandRunner, Option } from 'nest-commander';
import { DataSource } from 'typeorm';
import { SYSTEM_ACTOR } from '../audit/actor';
import { createApp } from '../bootstrap';
import { StaffUser } from '../identity/staff-user.entity';
import { UsersService } from '../identity/users.service';
import { AppConfig } from '../platform/config';
import { INestApplication } from '@nestjs/common';
import { CampaignsService } from '../notifications/campaigns.service';
import { referenceCode } from '../notifications/reference-code';
import { SmtpSink } from '../sandbox/smtp-sink';
import { TwilioSandbox } from '../sandbox/twilio-sandbox';
import { IncidentUpdatesService } from '../incidents/incident-updates.service';
import { IncidentsService } from '../incidents/incidents.service';

interface DemoOptions {
  once?: boolean;
  json?: boolean;
  port?: string;
}

/**
 * The README's main command: migrates, creates a demo admin and runs the whole story on sample data
 * through the local sinks, then keeps serving (or, with --once, exits and prints a JSON summary).
 */
@Command({ name: 'demo', description: 'Run the end-to-end demo on sample data' })
export class DemoCommand extends CommandRunner {
  private readonly log = new Logger('Demo');

  async run(_: string[], o: DemoOptions): Promise<void> {
    const overrides: Record<string, string> = { LOG_TARGET: 'stderr' };
    if (o.port) Object.assign(overrides, { PORT: o.port, PUBLIC_BASE_URL: `http://localhost:${o.port}` });
    if (o.once) overrides.LOG_LEVEL = 'warn';
    const started = Date.now();
    const app = await createApp({ overrides });
    const config = app.get(AppConfig);
    const summary: Record<string, unknown> = {};
    try {
      summary.admin = await this.ensureAdmin(app.get(DataSource), app.get(UsersService));
      summary.incident = await this.demoIncident(app, config);
      summary.notifications = await this.demoNotifications(app, summary);
      summary.baseUrl = config.http.publicBaseUrl;
      summary.port = config.http.port;
      summary.durationMs = Date.now() - started;
    } catch (e) {
      await app.close();
      throw e;
    }
    if (o.json) process.stdout.write(JSON.stringify(summary) + '\n');
    else {
      process.stderr.write(
        `\nCandor demo is running on ${config.http.publicBaseUrl}\n` +
          `  API docs:     ${config.http.publicBaseUrl}/docs\n` +
          `  Demo admin:   ${(summary.admin as any).email} / ${(summary.admin as any).password ?? '(existing user, password unchanged)'}\n` +
          `  Status page:  ${config.http.publicBaseUrl}/status (incident: ${(summary.incident as any).statusPageUrl})\n` +
          `Press Ctrl+C to stop.\n`,
      );
    }
    if (o.once) {
      await app.close();
      return;
    }
    await new Promise<void>((resolve) => app.getHttpServer().on('close', resolve));
  }

  /**
   * Tells the affected subscribers (the analysis run's matches when the demo has one, else everyone imported)
   * by SMS and email through the local sinks: a comms user drafts, a supervisor approves, it runs to the end.
   * It is marked urgent (SMS during quiet hours), as a breach notice in its first hour would be.
   */
  private async demoNotifications(app: INestApplication, summary: Record<string, any>) {
    const db = app.get(DataSource);
    const campaigns = app.get(CampaignsService);
    const base = app.get(AppConfig).http.publicBaseUrl;
    const comms = await this.demoStaff(app, 'comms@candor.test', 'comms');
    const supervisor = await this.demoStaff(app, 'supervisor@candor.test', 'supervisor');
    const runId: string | undefined = summary.analysis?.runId;
    const c = await campaigns.create(
      {
        name: 'Breach notice (demo)',
        kind: 'breach-notice',
        incidentId: summary.incident?.id,
        audienceType: runId ? 'analysis_run' : 'all_subscribers',
        audienceRef: runId,
        channelPolicy: 'both',
        vars: { incidentTitle: 'Your mobile number was shared with websites', statusUrl: `${base}/status` },
        ignoreQuietHours: true,
      },
      comms,
    );
    await campaigns.act(c.id, 'approve', supervisor);
    await campaigns.act(c.id, 'start', comms);
    const deadline = Date.now() + 60_000;
    let progress = await campaigns.progress(c.id);
    while (progress.status !== 'completed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      await campaigns.completeFinished(); // rather than wait for the next sweep
      progress = await campaigns.progress(c.id);
    }
    const sample = await db.query(
      `SELECT id::text AS id FROM messages WHERE campaign_id = $1 AND status IN ('sent','delivered') ORDER BY id LIMIT 1`,
      [c.id],
    );
    const code = sample[0] ? referenceCode(app.get(AppConfig).privacy.pseudonymKey, sample[0].id) : null;
    this.log.log(`campaign ${c.id}: ${JSON.stringify(progress.totals)}`);
    return {
      campaignId: c.id,
      status: progress.status,
      audience: progress.build?.audience ?? 0,
      totals: progress.totals,
      sandboxSms: app.get(TwilioSandbox, { strict: false })?.messages.length ?? null,
      sandboxEmails: app.get(SmtpSink, { strict: false })?.messages.length ?? null,
      verifyExample: code ? `${base}/verify?code=${code}` : null,
    };
  }

  /** A demo staff member by email (created once), as the actor of the story's staff actions. */
  private async demoStaff(app: INestApplication, email: string, role: 'comms' | 'supervisor') {
    const found = await app.get(DataSource).getRepository(StaffUser).findOne({ where: { email } });
    const u =
      found ??
      (await app
        .get(UsersService)
        .create(
          { email, displayName: `Demo ${role}`, role, password: randomBytes(12).toString('hex') },
          SYSTEM_ACTOR,
        ));
    return { type: 'staff' as const, id: u.id, role };
  }

  private async ensureAdmin(db: DataSource, users: UsersService) {
    const email = 'admin@candor.test';
    if (await db.getRepository(StaffUser).findOne({ where: { email } })) return { email, created: false };
    const password = process.env.CANDOR_DEMO_PASSWORD ?? randomBytes(9).toString('base64url');
    await users.create({ email, displayName: 'Demo Admin', role: 'admin', password }, SYSTEM_ACTOR);
    this.log.log('created demo admin');
    return { email, password, created: true };
  }

  /**
   * The story's incident: opened by comms, its first update drafted from a template, approved by a
   * supervisor (a second person) and published; the status page shows it with its next-update promise.
   */
  private async demoIncident(app: INestApplication, config: AppConfig) {
    const comms = await this.demoStaff(app, 'comms@candor.test', 'comms');
    const supervisor = await this.demoStaff(app, 'supervisor@candor.test', 'supervisor');
    const incidents = app.get(IncidentsService);
    const updates = app.get(IncidentUpdatesService);
    const incident = await incidents.create(
      {
        title: 'Mobile numbers shared with websites',
        titleCy: 'Rhifau ffôn symudol wedi’u rhannu â gwefannau',
        summary:
          'A fault in our mobile web gateway added customers’ mobile numbers to requests sent to the websites they visited.',
        summaryCy:
          'Roedd nam yn ein porth gwe symudol wedi ychwanegu rhifau ffôn symudol cwsmeriaid at geisiadau a anfonwyd i’r gwefannau yr oeddent yn ymweld â nhw.',
        advice: 'Be wary of unexpected calls and texts. We will never ask for your password or PIN.',
        adviceCy:
          'Byddwch yn wyliadwrus o alwadau a negeseuon annisgwyl. Ni fyddwn byth yn gofyn am eich cyfrinair na’ch PIN.',
        impact: 'major',
        detectedAt: new Date(Date.now() - 45 * 60_000).toISOString(),
        affectedServices: ['mobile web browsing'],
      },
      comms,
    );
    const draft = await updates.draft(incident.id, { template: 'identified' }, comms);
    await updates.approve(incident.id, draft.id, supervisor);
    const published = await updates.publish(incident.id, draft.id, comms);
    this.log.log(`incident opened and first update published: ${incident.id}`);
    return {
      id: incident.id,
      statusPageUrl: `${config.http.publicBaseUrl}/status/incidents/${incident.id}`,
      nextUpdateBy: published.nextUpdateBy?.toISOString() ?? null,
    };
  }

  @Option({ flags: '--once', description: 'exit when the story has run' })
  once() {
    return true;
  }

  @Option({ flags: '--json', description: 'print one JSON summary on stdout' })
  json() {
    return true;
  }

  @Option({ flags: '--port <port>', description: 'HTTP port (default PORT or 3000)' })
  port(v: string) {
    return v;
  }
}
