/* npm run bench -- number-pool [N]: streams an N-number CSV (default 100000) into the pool, then has 200
   customers ask for "similar" offers at once. Reported as ratios against baselines from the same run:
   import vs parsing the same CSV alone; contended offer latency vs one offer on an idle pool. */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { createApp } from '../src/bootstrap';
import { NumberChangeService } from '../src/number-change/number-change.service';
import { NumberPoolService } from '../src/number-change/number-pool.service';
import { readPoolCsv } from '../src/number-change/pool-csv';
import { SubscribersService } from '../src/subscribers/subscribers.service';

const csv = (n: number) =>
  Readable.from(
    (function* () {
      yield 'msisdn\n';
      for (let i = 0; i < n; i++) yield `07460 ${String(100000 + i).padStart(6, '0')}\n`;
    })(),
  );

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const v = await fn();
  return [v, Number(process.hrtime.bigint() - t0) / 1e6];
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const n = Number(args[0] ?? 100_000);
  const db = `candor_bench_np_${randomBytes(4).toString('hex')}`;
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/candor';
  const url = Object.assign(new URL(base), { pathname: `/${db}` }).toString();
  const app = await createApp({
    overrides: {
      DATABASE_URL: url,
      CANDOR_ROLE: 'api',
      LOG_LEVEL: 'warn',
      LOG_TARGET: 'stderr',
      QUEUE_PREFIX: db,
    },
    listen: false,
  });
  try {
    const pool = app.get(NumberPoolService);
    const [, parseMs] = await timed(async () => {
      for await (const _row of readPoolCsv(csv(n), 'GB'));
    });
    const [report, importMs] = await timed(() => pool.importCsv(csv(n), { type: 'system', id: 'bench' }));

    const subs = app.get(SubscribersService);
    const requests = app.get(NumberChangeService);
    const customers: Array<{ s: { id: string }; r: { id: string } }> = [];
    for (let i = 0; i < 201; i++) {
      const s = await subs.upsert({ accountId: `B-${i}`, msisdn: `07958 ${String(300000 + i * 37)}` });
      const r = await requests.create(s.id, { reason: 'bench' }, { type: 'customer', id: s.id });
      customers.push({ s, r });
    }
    const [first, ...rest] = customers;
    const offer = (c: (typeof customers)[number]) =>
      timed(() => requests.offer(c.s.id, c.r.id, true, { type: 'customer', id: c.s.id }));
    const [, idleMs] = await offer(first);
    const [contended, wallMs] = await timed(() => Promise.all(rest.map(offer)));
    const lat = contended.map(([, ms]) => ms);
    const offered = contended.flatMap(([o]) => o.map((x) => x.msisdn));
    const result = {
      poolSize: n,
      import: {
        ...report,
        errors: report.errors.length,
        ms: Math.round(importMs),
        rowsPerSecond: Math.round(n / (importMs / 1000)),
      },
      parseOnlyMs: Math.round(parseMs),
      importVsParse: +(importMs / parseMs).toFixed(2),
      offers: {
        concurrent: rest.length,
        wallMs: Math.round(wallMs),
        idleMs: +idleMs.toFixed(1),
        p50Ms: +pct(lat, 0.5).toFixed(1),
        p95Ms: +pct(lat, 0.95).toFixed(1),
        p95VsIdle: +(pct(lat, 0.95) / idleMs).toFixed(1),
        distinctNumbers: new Set(offered).size === offered.length,
      },
    };
    return result;
  } finally {
    await app.close();
    await app
      .get(DataSource)
      .destroy()
      .catch(() => undefined);
    const { Client } = await import('pg');
    const admin = new Client({ connectionString: base });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.end();
  }
}
