/* npm run bench -- compensation [credits=2000] [concurrency=32]
   Credits issued per second over HTTP, each with its own Idempotency-Key (plus a pass of replays), against
   two baselines measured in the same run at the same concurrency: plain single-row INSERTs through pg (what
   the database alone can do) and GET /auth/me (what an authenticated HTTP round trip alone costs).
   The ledger invariant (every line sums to zero, every entry balanced, one entry per credit) is checked. */
import { randomBytes, randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { SYSTEM_ACTOR } from '../src/platform/http/actor';
import { createApp } from '../src/bootstrap';
import { LedgerService } from '../src/compensation/ledger.service';
import { UsersService } from '../src/identity/users.service';
import { SubscribersService } from '../src/subscribers/subscribers.service';

const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs `total` calls of `fn` with `concurrency` in flight; returns calls per second. */
async function rate(total: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await fn(next++);
    }),
  );
  return total / (Number(process.hrtime.bigint() - started) / 1e9);
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const total = Number(args[0] ?? 2000);
  const concurrency = Number(args[1] ?? 32);
  const dbName = `candor_bench_comp_${randomBytes(4).toString('hex')}`;
  const admin = new Pool({ connectionString: ADMIN_URL, max: 1 });
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString();
  const app = await createApp({
    overrides: {
      DATABASE_URL: dbUrl,
      DATABASE_AUTO_CREATE: 'false',
      DATABASE_MIGRATE_ON_START: 'true',
      CANDOR_ROLE: 'api',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LOG_TARGET: 'stderr',
      QUEUE_PREFIX: `bench${randomBytes(4).toString('hex')}`,
    },
  });
  const pool = new Pool({ connectionString: dbUrl, max: 20 });
  try {
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const password = randomBytes(12).toString('base64url');
    const email = 'bench-supervisor@candor.test';
    await app
      .get(UsersService)
      .create({ email, displayName: 'Bench', role: 'supervisor', password }, SYSTEM_ACTOR);
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const { token } = (await login.json()) as { token: string };
    const subscribers: string[] = [];
    for (let i = 0; i < 50; i++)
      subscribers.push(
        (
          await app
            .get(SubscribersService)
            .upsert({ accountId: `B-${i}`, msisdn: `+4479112${String(50000 + i)}` })
        ).id,
      );

    // Baseline 1: the same number of single-row INSERTs through pg, same concurrency.
    await pool.query(
      `CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, k text UNIQUE NOT NULL, n int NOT NULL)`,
    );
    const insertsPerSec = await rate(total, concurrency, async (i) => {
      await pool.query(`INSERT INTO bench_baseline (k, n) VALUES ($1, $2)`, [randomUUID(), i]);
    });
    // Baseline 2: an authenticated HTTP round trip that does no work (token lookup only).
    const authHeaders = { authorization: `Bearer ${token}` };
    const httpPerSec = await rate(total, concurrency, async () => {
      const r = await fetch(`${base}/auth/me`, { headers: authHeaders });
      if (r.status !== 200) throw new Error(`/auth/me answered ${r.status}`);
      await r.arrayBuffer();
    });

    const keys = Array.from({ length: total }, () => randomUUID());
    const issue = async (i: number, expectReplay: boolean) => {
      const r = await fetch(`${base}/compensation/credits`, {
        method: 'POST',
        headers: { ...authHeaders, 'content-type': 'application/json', 'idempotency-key': keys[i] },
        body: JSON.stringify({
          subscriberId: subscribers[i % subscribers.length],
          amountPence: 100 + (i % 900),
          reasonCode: 'service_outage',
          note: `bench ${i}`,
        }),
      });
      await r.arrayBuffer();
      if (r.status !== 201 || (r.headers.get('idempotent-replayed') === 'true') !== expectReplay)
        throw new Error(`credit ${i} answered ${r.status}`);
    };
    const creditsPerSec = await rate(total, concurrency, (i) => issue(i, false));
    const replaysPerSec = await rate(total, concurrency, (i) => issue(i, true));

    const ledger = await app.get(LedgerService).trialBalance();
    const [{ credits }] = (await app
      .get(DataSource)
      .query(`SELECT count(*)::int AS credits FROM credits`)) as any[];
    const invariantOk =
      ledger.totalPence === 0 &&
      ledger.unbalancedEntries === 0 &&
      ledger.entries === total &&
      credits === total;
    const result = {
      credits: total,
      concurrency,
      creditsPerSec: Math.round(creditsPerSec),
      replaysPerSec: Math.round(replaysPerSec),
      baselineInsertsPerSec: Math.round(insertsPerSec),
      baselineHttpAuthMePerSec: Math.round(httpPerSec),
      creditsVsInserts: +(creditsPerSec / insertsPerSec).toFixed(3),
      creditsVsHttp: +(creditsPerSec / httpPerSec).toFixed(3),
      ledger: { ...ledger, creditRows: credits },
      invariantOk,
    };
    if (!invariantOk) throw new Error(`ledger invariant broken: ${JSON.stringify(result.ledger)}`);
    return result;
  } finally {
    await pool.end();
    await app.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}
