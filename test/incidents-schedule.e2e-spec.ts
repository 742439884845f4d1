import { Queue } from 'bullmq';
import { IncidentUpdatesService } from '../src/incidents/incident-updates.service';
import { INCIDENTS_QUEUE } from '../src/incidents/incidents.queue';
import { redisConnection } from '../src/platform/queue/queue.module';
import { startTestApp, TestApp } from './helpers/app';
import { scheduleUpdate } from './helpers/incidents';
import { count, staffTokens } from './helpers/staff';

/** A scheduled publication survives a worker restart, and a lost job, and is published exactly once. */
describe('scheduled updates across worker restarts', () => {
  let api: TestApp;
  let tokens: Record<string, string>;
  const workers: TestApp[] = [];
  const worker = async () => {
    const w = await startTestApp(
      { CANDOR_ROLE: 'worker', QUEUE_PREFIX: api.env.QUEUE_PREFIX },
      { dbUrl: api.dbUrl },
    );
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    api = await startTestApp({ CANDOR_ROLE: 'api' });
    ({ tokens } = await staffTokens(api));
  });
  afterAll(async () => {
    for (const w of workers) await w.close().catch(() => undefined);
    await api?.close();
  });

  const scheduledUpdate = (incidentId: string, at: Date) => scheduleUpdate(api, tokens, incidentId, at);

  it('publishes each scheduled update once: the kept job after a restart, the lost one from the boot sweep', async () => {
    const incident = await api
      .http()
      .post('/incidents')
      .auth(tokens.comms, { type: 'bearer' })
      .send({ title: 'Restart test', impact: 'minor', detectedAt: new Date().toISOString() })
      .expect(201);
    const at = new Date(Date.now() + 4000);
    const kept = await scheduledUpdate(incident.body.id, at);
    const lost = await scheduledUpdate(incident.body.id, new Date(at.getTime() + 10));

    const queue = new Queue(INCIDENTS_QUEUE, {
      connection: redisConnection(api.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
      prefix: api.env.QUEUE_PREFIX,
    });
    try {
      expect(await queue.getJobState(kept)).toBe('delayed');
      // a worker starts and stops before the time comes (a deploy)
      const first = await worker();
      await first.close();
      workers.splice(workers.indexOf(first), 1);
      // one job is lost (as if Redis had been flushed, or the enqueue after the commit had failed)
      await queue.remove(lost);
      expect(await queue.getJobState(lost)).toBe('unknown');

      // two workers come up; both sweep at boot, both compete for the jobs
      const [a, b] = await Promise.all([worker(), worker()]);
      const published = async () =>
        count(
          api.db,
          `SELECT count(*) n FROM incident_updates WHERE id IN ($1, $2) AND status = 'published'`,
          [kept, lost],
        );
      const deadline = Date.now() + 20_000;
      while ((await published()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await published()).toBe(2);
      await new Promise((r) => setTimeout(r, 1000));

      for (const id of [kept, lost]) {
        expect(
          await count(
            api.db,
            `SELECT count(*) n FROM audit_events WHERE target_id = $1 AND action = 'incident.update.publish'`,
            [id],
          ),
        ).toBe(1);
        const [row] = await api.db.query(`SELECT published_at FROM incident_updates WHERE id = $1`, [id]);
        expect(new Date(row.published_at).getTime()).toBeGreaterThanOrEqual(at.getTime());
      }
      // running the job again, anywhere, does nothing
      expect(await a.get<IncidentUpdatesService>(IncidentUpdatesService).publishScheduled(kept)).toBe('noop');
      expect(await b.get<IncidentUpdatesService>(IncidentUpdatesService).publishScheduled(lost)).toBe('noop');
    } finally {
      await queue.close();
    }
  });
});
