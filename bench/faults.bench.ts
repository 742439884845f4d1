/* npm run bench -- faults [seconds] [callbacksPerSecond] [connections] [outageSeconds] [subscribers]
   The status page while Twilio's delivery callbacks arrive (issue #19: callbacks at 500/s must leave /status p99
   under 50 ms). One CANDOR_ROLE=api process serves the page from this process; a separate process (so its CPU
   is not this event loop's) posts signed status callbacks to the same process at the given rate, the default
   deployment without a webhooks process; wrk measures /status first alone, then during the callbacks, in the
   same run (compare the two, not figures from different runs). Then a worker's drain applies the recorded
   callbacks to the outbox in bulk: rows per second. Last, the time to recover after PostgreSQL stops in the
   middle of a campaign (bench/fault-recovery.ts). The fault cases themselves are asserted by the test/faults-*
   suites. */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '../src/bootstrap';
import { SmsProvider } from '../src/channels/sms-provider';
import { DeliveryCallbacksService } from '../src/notifications/delivery-callbacks.service';
import { generateCallbacks } from '../test/helpers/callback-generator';
import { measureRecovery } from './fault-recovery';
import { freePort, seedIncident, wrk, WrkResult } from './status-page.bench';

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const seconds = Number(args[0] ?? 10);
  const rate = Number(args[1] ?? 500);
  const connections = Number(args[2] ?? 16);
  const outageSeconds = Number(args[3] ?? 10);
  const subscribers = Number(args[4] ?? 300);
  const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));
  const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `candor_bench_faults_${randomBytes(4).toString('hex')}`;
  const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = await createApp({
    listen: true, // the production listener (backlog, keep-alive), not a bare server.listen
    overrides: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: dbUrl,
      QUEUE_PREFIX: `bench${randomBytes(3).toString('hex')}`,
      CANDOR_ROLE: 'api',
      PUBLIC_BASE_URL: base,
      LOG_LEVEL: 'warn',
      LOG_TARGET: 'stderr',
    },
  });
  try {
    await seedIncident(app);
    const db = app.get(DataSource);
    const count = Math.max(1000, rate * seconds);
    const [{ first }] = await db.query(
      `WITH ins AS (
         INSERT INTO messages (channel, kind, to_address, status, provider_id, sent_at)
         SELECT 'sms', 'breach-notice', '+447911' || lpad(i::text, 6, '0'), 'sending', NULL, NULL
         FROM generate_series(1, $1) i RETURNING id)
       SELECT min(id)::int AS first FROM ins`,
      [count],
    );
    const status = `${base}/status`;
    await fetch(status); // warm the page
    const alone = await wrk(status, seconds, connections);
    process.stderr.write(line('/status alone', alone));

    // A second measurement, closed-loop: wrk posts one signed callback (a fixed body) on 8 connections as fast
    // as the server answers, while the other wrk reads /status: the callbacks' throughput and latency at the
    // server, without a Node client that the busy machine starves.
    const cbPath = `/webhooks/twilio/status?m=${first}`;
    const cbParams = { MessageSid: `SMb${first}`, MessageStatus: 'delivered' };
    const lua = join(tmpdir(), `candor-cb-${randomBytes(3).toString('hex')}.lua`);
    writeFileSync(
      lua,
      `wrk.method = "POST"\nwrk.body = "${new URLSearchParams(cbParams).toString()}"\n` +
        `wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n` +
        `wrk.headers["X-Twilio-Signature"] = "${getExpectedTwilioSignature(app.get(SmsProvider).authToken, base + cbPath, cbParams)}"\n`,
    );
    const [closedStatus, closedCallbacks] = await Promise.all([
      wrk(status, seconds, connections),
      wrk(base + cbPath, seconds, 8, [], ['-s', lua]),
    ]);
    process.stderr.write(line('/status during closed-loop callbacks', closedStatus));
    process.stderr.write(line('callbacks (wrk, 8 connections)', closedCallbacks));
    await app.get(DeliveryCallbacksService).drain();

    // Half the rows, so each gets "sent" then "delivered" as Twilio reports them.
    const generated = generateCallbacks({
      base,
      token: app.get(SmsProvider).authToken,
      rate,
      seconds,
      first,
      count: Math.ceil(count / 2),
    });
    const during = await wrk(status, seconds, connections);
    const callbacks = await generated;
    process.stderr.write(line(`/status during ${callbacks.perSecond.toFixed(0)} callbacks/s`, during));
    process.stderr.write(
      `callbacks: ${callbacks.sent} sent, ${callbacks.errors} errors, p50 ${callbacks.p50ms} ms, p99 ${callbacks.p99ms} ms\n`,
    );

    const [{ recorded }] = await db.query(`SELECT count(*)::int AS recorded FROM delivery_callbacks`);
    const t0 = performance.now();
    const drained = await app.get(DeliveryCallbacksService).drain();
    const drainMs = performance.now() - t0;
    const [{ delivered }] = await db.query(
      `SELECT count(*)::int AS delivered FROM messages WHERE status IN ('sent', 'delivered')`,
    );
    const applyPerSecond = Math.round(drained.taken / (drainMs / 1000));
    process.stderr.write(
      `drain: ${drained.taken} callbacks applied to ${drained.applied} messages in ${drainMs.toFixed(0)} ms (${applyPerSecond}/s)\n`,
    );
    return {
      machine: 'shared 2-core machine; compare figures of one run only',
      loadAverage: { atStart: loadAtStart },
      seconds,
      connections,
      statusAlone: alone,
      statusDuringCallbacks: during,
      p99Ratio: Number((during.p99ms / alone.p99ms).toFixed(2)),
      rpsRatio: Number((during.requestsPerSec / alone.requestsPerSec).toFixed(2)),
      callbacks,
      recorded,
      drain: { ...drained, ms: Math.round(drainMs), perSecond: applyPerSecond, messagesUpdated: delivered },
      statusP99Under50ms: during.p99ms < 50,
      closedLoop: { status: closedStatus, callbacks: closedCallbacks },
      recovery: await measureRecovery({ adminUrl, port: await freePort(), outageSeconds, subscribers }),
      loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
    };
  } finally {
    await app.close();
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

function line(label: string, r: WrkResult): string {
  return `${label}: ${r.requestsPerSec.toFixed(0)} req/s, p50 ${r.p50ms} ms, p99 ${r.p99ms} ms, ${r.errors} errors\n`;
}
