import { Redis } from 'ioredis';
import { DispatcherService, OUTBOX_MARKER } from '../src/notifications/dispatcher.service';
import { DurableWork } from '../src/platform/queue/durable-work';
import { startTestApp, TestApp } from './helpers/app';
import { flushPrefix } from './helpers/redis';

/**
 * The outbox re-drive reads every row queued for long and asks Redis whether its job lives. A paced national
 * campaign keeps most of its rows queued for hours behind live jobs, so doing that for all of them every sweep
 * cost the senders their CPU (issue 20). Now: the full pass only when Redis lost its data (its marker gone),
 * otherwise one page a sweep on a rolling cursor. Rows here are queued an hour ago under jobs Redis never had,
 * so every row a pass reads is one it re-drives: what it returns is how many rows it read.
 */
describe('outbox re-drive: the full pass only when Redis lost its data', () => {
  let t: TestApp;
  let dispatcher: DispatcherService;
  const PAGE = 5000; // REDRIVE_PAGE

  beforeAll(async () => {
    // the API role: no dispatcher timer and no sweep of its own, so only the calls here re-drive
    t = await startTestApp({ CANDOR_ROLE: 'api' });
    dispatcher = t.get(DispatcherService);
  });
  afterAll(() => t?.close());

  /** `n` rows queued `hours` ago under jobs that do not exist. */
  async function queuedWithLostJobs(n: number, hours = 1): Promise<void> {
    await t.db.query(
      `INSERT INTO messages (channel, kind, to_address, status, queued_at, job_id)
       SELECT 'email', 'breach-notice', 'r' || i || '@example.org', 'queued', now() - make_interval(hours => $2), 'gone-' || i
       FROM generate_series(1, $1) i`,
      [n, hours],
    );
  }
  const queued = async () =>
    Number((await t.db.query(`SELECT count(*) AS n FROM messages WHERE status = 'queued'`))[0].n);

  it('a Redis that lost its data gets the full pass at once, and the marker after it', async () => {
    const work = t.get<DurableWork>(DurableWork);
    expect(await work.marked(OUTBOX_MARKER)).toBe(false); // a new Redis prefix: as if flushed
    await queuedWithLostJobs(PAGE + 1);
    expect(await dispatcher.redrive()).toBe(PAGE + 1);
    expect(await queued()).toBe(0);
    expect(await work.marked(OUTBOX_MARKER)).toBe(true);
  });

  it('with Redis whole, one page a sweep on a rolling cursor that starts over at the end', async () => {
    await t.db.query(`DELETE FROM messages`);
    await queuedWithLostJobs(PAGE + 1);
    expect(await dispatcher.redrive()).toBe(PAGE); // the first page only
    expect(await queued()).toBe(1);
    expect(await dispatcher.redrive()).toBe(1); // the next sweep goes on from there
    expect(await dispatcher.redrive()).toBe(0);
    // the cursor started over: a row queued long ago but added now (before the cursor) is found
    await queuedWithLostJobs(3);
    expect(await dispatcher.redrive()).toBe(3);
  });

  it('a flush removes the marker: the next sweep is a full pass again, from the start', async () => {
    await t.db.query(`DELETE FROM messages`);
    await queuedWithLostJobs(PAGE + 1);
    expect(await dispatcher.redrive()).toBe(PAGE); // whole Redis: a page (the cursor now mid-table)
    await queuedWithLostJobs(PAGE + 2, 2); // queued earlier: before the cursor
    expect(await flushPrefix(t.env.QUEUE_PREFIX)).toBeGreaterThan(0);
    // everything still queued, before and after the cursor (a pass from the cursor would find 1)
    expect(await dispatcher.redrive()).toBe(PAGE + 3);
    expect(await queued()).toBe(0);
    const redis = new Redis('redis://127.0.0.1:6379');
    try {
      expect(await redis.exists(`${t.env.QUEUE_PREFIX}:redrive-marker:${OUTBOX_MARKER}`)).toBe(1);
    } finally {
      redis.disconnect();
    }
  });
});
