import { Queue } from 'bullmq';
import { IncidentUpdatesService } from '../src/incidents/incident-updates.service';
import { INCIDENTS_QUEUE } from '../src/incidents/incidents.queue';
import { redisConnection } from '../src/platform/queue/queue.module';
import { startTestApp, TestApp } from './helpers/app';
import { eventually } from './helpers/eventually';
import { scheduleUpdate } from './helpers/incidents';
import { count, staffTokens } from './helpers/staff';

/**
 * A scheduled publication survives a worker restart, and a lost job, and is published exactly once. The time
 * comes on the workers' Clocks (no wall-clock margin for boots to race on a busy machine), and the workers
 * sweep every second (the default 15 s sweep lease, taken by the first worker, kept the next ones from
 * sweeping for up to 15 s: the wait was the lease, not the work).
 */
describe('scheduled updates across worker restarts', () => {
  let api: TestApp;
  let tokens: Record<string, string>;
  const workers: TestApp[] = [];
  const worker = async () => {
    const w = await startTestApp(
      { CANDOR_ROLE: 'worker', QUEUE_PREFIX: api.env.QUEUE_PREFIX, SWEEP_INTERVAL_SECONDS: '1' },
      { dbUrl: api.dbUrl },
    );
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    api = await startTestApp({ CANDOR_ROLE: 'api' });
    ({ tokens } = await staffTokens(api, ['comms', 'supervisor']));
  }, 120_000); // an app booting on a busy machine
  afterAll(async () => {
    for (const w of workers) await w.close().catch(() => undefined);
    await api?.close();
  }, 120_000);

  const scheduledUpdate = (incidentId: string, at: Date) => scheduleUpdate(api, tokens, incidentId, at);
  const published = (ids: string[]) =>
    count(api.db, `SELECT count(*) n FROM incident_updates WHERE id = ANY($1) AND status = 'published'`, [
      ids,
    ]);

  it('publishes each scheduled update once: the kept job after a restart, the lost one by the sweep', async () => {
    const incident = await api
      .http()
      .post('/incidents')
      .auth(tokens.comms, { type: 'bearer' })
      .send({ title: 'Restart test', impact: 'minor', detectedAt: api.clock.now().toISOString() })
      .expect(201);
    // An hour ahead: nothing is due while the workers come and go, however slow they are to boot.
    const at = new Date(api.clock.now().getTime() + 3_600_000);
    const kept = await scheduledUpdate(incident.body.id, at);
    const lost = await scheduledUpdate(incident.body.id, new Date(at.getTime() + 10));
    const both = [kept, lost];

    const queue = new Queue(INCIDENTS_QUEUE, {
      connection: redisConnection(api.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
      prefix: api.env.QUEUE_PREFIX,
    });
    try {
      expect(await queue.getJobState(kept)).toBe('delayed');
      // a worker starts and stops before the time comes (a deploy): the job is still there, nothing published
      const first = await worker();
      await first.close();
      workers.splice(workers.indexOf(first), 1);
      expect(await queue.getJobState(kept)).toBe('delayed');
      expect(await published(both)).toBe(0);
      // one job is lost (as if Redis had been flushed, or the enqueue after the commit had failed)
      await queue.remove(lost);
      expect(await queue.getJobState(lost)).toBe('unknown');

      // two workers come up and the time comes on their clocks; the kept job is due at once (as if its delay
      // had run out), and the sweeps of both find the lost one due: everyone competes for both publications
      const [a, b] = await Promise.all([worker(), worker()]);
      for (const w of [a, b]) w.clock.travelTo(new Date(at.getTime() + 1000));
      await (await queue.getJob(kept))?.promote().catch(() => undefined); // a sweep may have published it already
      await eventually(async () => (await published(both)) === 2, 30_000, 'both scheduled updates published');
      // the kept job has run too (it found the update published, or published it): no run is left to come
      await eventually(
        async () => !['delayed', 'waiting', 'active', 'prioritized'].includes(await queue.getJobState(kept)),
        30_000,
        "the kept job's run to finish",
      );

      for (const id of both) {
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
