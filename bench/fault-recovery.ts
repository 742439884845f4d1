/* Part of `npm run bench -- faults`: time to recover after PostgreSQL stops for a while in the middle of a
   campaign (SMS and email, callbacks on) with a scheduled update due during the outage. One CANDOR_ROLE=all
   process reaches PostgreSQL through a TCP proxy that cuts every connection (test/helpers/tcp-proxy.ts); the
   Twilio sandbox and the SMTP sink run here and count every message per recipient. Reported: seconds from the
   end of the outage to the update published, the campaign sending again and the status page live (no longer
   stale), then lost updates, duplicates and missing messages once the campaign has finished. */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createApp } from '../src/bootstrap';
import { IncidentUpdatesService } from '../src/incidents/incident-updates.service';
import { IncidentsService } from '../src/incidents/incidents.service';
import { UsersService } from '../src/identity/users.service';
import { CampaignLifecycle } from '../src/notifications/campaign-lifecycle.service';
import { CampaignsService } from '../src/notifications/campaigns.service';
import { SYSTEM_ACTOR } from '../src/platform/http/actor';
import { SmtpSink } from '../src/sandbox/smtp-sink';
import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { NOTICE_VARS } from '../test/helpers/notices';
import { TcpProxy } from '../test/helpers/tcp-proxy';
import { wrk } from './status-page.bench';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Seconds from `from` until `check` holds (polled every 100 ms), or null after `limitMs`. */
async function secondsUntil(from: number, check: () => Promise<boolean>, limitMs = 120_000) {
  while (!(await check().catch(() => false))) {
    if (Date.now() - from > limitMs) return null;
    await sleep(100);
  }
  return Number(((Date.now() - from) / 1000).toFixed(1));
}

export async function measureRecovery(opts: {
  adminUrl: string;
  port: number;
  outageSeconds: number;
  subscribers: number;
}): Promise<Record<string, unknown>> {
  const dbName = `candor_bench_recovery_${randomBytes(4).toString('hex')}`;
  const dbUrl = Object.assign(new URL(opts.adminUrl), { pathname: `/${dbName}` }).toString();
  const pg = await new TcpProxy(Number(new URL(opts.adminUrl).port || 5432)).start();
  const sms = await new TwilioSandbox().start();
  const mail = await new SmtpSink().start();
  const base = `http://127.0.0.1:${opts.port}`;
  const app = await createApp({
    listen: true,
    overrides: {
      DATABASE_URL: pg.via(dbUrl),
      QUEUE_PREFIX: `benchr${randomBytes(3).toString('hex')}`,
      CANDOR_ROLE: 'all',
      PORT: String(opts.port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: base,
      LOG_LEVEL: 'error',
      LOG_TARGET: 'stderr',
      TWILIO_ACCOUNT_SID: sms.accountSid,
      TWILIO_AUTH_TOKEN: sms.authToken,
      TWILIO_API_BASE_URL: sms.url,
      SMTP_URL: mail.url,
      SMTP_LOOKUP_URL: mail.lookupUrl,
      SMS_RATE_PER_SECOND: '30',
      EMAIL_RATE_PER_SECOND: '15',
      SMS_QUIET_HOURS: 'off',
      // the fault tests' settings: a fault is noticed within seconds, the sweep runs every 2 s
      SWEEP_INTERVAL_SECONDS: '2',
      SEND_STALE_SECONDS: '2',
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_QUERY_TIMEOUT_MS: '3000',
      HTTP_REQUEST_TIMEOUT_MS: '1500',
      STATUS_PAGE_REFRESH_SECONDS: '1',
      STATUS_PAGE_READ_TIMEOUT_MS: '1500',
      STATUS_PAGE_SNAPSHOT_FILE: join(tmpdir(), `${dbName}.json`),
    },
  });
  const direct = new Client({ connectionString: dbUrl });
  await direct.connect();
  try {
    const actors = await staff(app);
    const incident = await app
      .get(IncidentsService)
      .create(
        { title: 'Recovery bench', impact: 'minor', detectedAt: new Date().toISOString() },
        actors.comms,
      );
    const updates = app.get(IncidentUpdatesService);
    const subscribers = app.get(SubscribersService);
    for (let i = 0; i < opts.subscribers; i++)
      await subscribers.upsert({
        accountId: `R-${i}`,
        msisdn: `079255${String(i).padStart(5, '0')}`,
        email: `r${i}@example.org`,
      });
    const campaigns = app.get(CampaignsService);
    const c = await campaigns.create(
      {
        name: 'Recovery bench',
        kind: 'breach-notice',
        audienceType: 'all_subscribers',
        channelPolicy: 'both',
        vars: NOTICE_VARS,
      } as any,
      actors.comms,
    );
    await app.get(CampaignLifecycle).act(c.id, 'approve', actors.supervisor);
    await app.get(CampaignLifecycle).act(c.id, 'start', actors.comms);
    const sent = () => sms.messages.length + mail.received;
    while (sent() < 20) await sleep(100);
    // The page while the campaign sends with its callbacks on (the sandbox posts "sent" then "delivered").
    const [callbacksBefore, sendsBefore] = [sms.callbacksSent, sent()];
    const pageDuringCampaign = await wrk(`${base}/status`, 5, 16);
    const campaignDuringWrk = { sends: sent() - sendsBefore, callbacks: sms.callbacksSent - callbacksBefore };
    while (sent() < opts.subscribers / 2) await sleep(100);

    // An update due 3 s into the outage, then the outage.
    const d = await updates.draft(incident.id, { body: 'Due during the outage' }, actors.comms);
    await updates.approve(incident.id, d.id, actors.supervisor);
    await updates.schedule(incident.id, d.id, new Date(Date.now() + 3000).toISOString(), actors.comms);
    await fetch(`${base}/status`);
    pg.down();
    await sleep(opts.outageSeconds * 1000);
    const atEnd = sent();
    pg.up();
    const up = Date.now();
    const [updatePublished, campaignResumed, pageLive] = await Promise.all([
      secondsUntil(up, async () => {
        const r = await direct.query(`SELECT status FROM incident_updates WHERE id = $1`, [d.id]);
        return r.rows[0]?.status === 'published';
      }),
      secondsUntil(up, async () => sent() > atEnd),
      secondsUntil(up, async () => {
        const res = await fetch(`${base}/status`);
        await res.arrayBuffer();
        return res.status === 200 && !res.headers.has('x-status-stale');
      }),
    ]);
    const finished = await secondsUntil(up, async () => {
      const r = await direct.query(
        `SELECT count(*)::int n FROM messages WHERE campaign_id = $1 AND status IN ('pending','queued','sending')`,
        [c.id],
      );
      return r.rows[0].n === 0;
    });
    await sleep(3000); // another sweep: a late duplicate would show now
    const publications = await direct.query(
      `SELECT count(*)::int n FROM audit_events WHERE target_id = $1 AND action = 'incident.update.publish'`,
      [d.id],
    );
    const smsPer = tally(sms.messages.all.map((m) => m.to));
    const mailPer = tally(mail.messages.all.map((m) => m.envelopeTo[0]));
    return {
      outageSeconds: opts.outageSeconds,
      subscribers: opts.subscribers,
      pageDuringCampaign: { ...pageDuringCampaign, seconds: 5, connections: 16, ...campaignDuringWrk },
      sentBeforeOutageEnd: atEnd,
      secondsAfterOutage: { updatePublished, campaignResumed, pageLive, campaignFinished: finished },
      lostUpdates: publications.rows[0].n === 1 ? 0 : 1,
      duplicateUpdates: Math.max(0, publications.rows[0].n - 1),
      duplicateSms: [...smsPer.values()].filter((n) => n > 1).length,
      missingSms: opts.subscribers - smsPer.size,
      duplicateEmails: [...mailPer.values()].filter((n) => n > 1).length,
      missingEmails: opts.subscribers - mailPer.size,
    };
  } finally {
    pg.up();
    await app.close();
    await direct.end();
    await pg.stop();
    await sms.stop();
    await mail.stop();
    const admin = new Client({ connectionString: opts.adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

async function staff(app: Awaited<ReturnType<typeof createApp>>) {
  const users = app.get(UsersService);
  const password = randomBytes(12).toString('hex');
  const make = async (role: 'comms' | 'supervisor') => {
    const u = await users.create(
      { email: `recovery-${role}@candor.test`, displayName: role, role, password },
      SYSTEM_ACTOR,
    );
    return { type: 'staff' as const, id: u.id, role };
  };
  return { comms: await make('comms'), supervisor: await make('supervisor') };
}

function tally(keys: string[]): Map<string, number> {
  const per = new Map<string, number>();
  for (const k of keys) per.set(k, (per.get(k) ?? 0) + 1);
  return per;
}
