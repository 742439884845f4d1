import { AppConfig } from '../platform/config';
import type { OutboxQueueRepository } from './outbox-queue.repository';
import { SendLease } from './send-lease';

/** The lease with a database whose answers the test decides; time is jest's fake clock (performance.now too). */
function makeLease() {
  const db = { up: true, ids: [] as string[] };
  const renewLease = jest.fn(async (id: string) => {
    if (!db.up) throw new Error('Connection terminated unexpectedly');
    db.ids.push(id);
  });
  const config = { runsWorker: true, notifications: { sendStaleSeconds: 2 } } as unknown as AppConfig;
  return { db, lease: new SendLease({ renewLease } as unknown as OutboxQueueRepository, config) };
}

describe('SendLease', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('keeps its id while every renewal succeeds', async () => {
    const { db, lease } = makeLease();
    await lease.onModuleInit();
    const id = lease.id;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(lease.held()).toBe(true);
    expect(lease.id).toBe(id);
    expect(new Set(db.ids)).toEqual(new Set([id]));
    lease.onApplicationShutdown();
  });

  it('after a lapse (the database gone), continues under one new id so the old claims go stale', async () => {
    const { db, lease } = makeLease();
    await lease.onModuleInit();
    const old = lease.id;
    db.up = false;
    await jest.advanceTimersByTimeAsync(5_000); // many failed renewals, well past half the stale time
    expect(lease.held()).toBe(false);
    db.up = true;
    await jest.advanceTimersByTimeAsync(600); // the next renewal
    expect(lease.held()).toBe(true);
    expect(lease.id).not.toBe(old);
    expect(new Set(db.ids)).toEqual(new Set([old, lease.id])); // one new id, not one per failed attempt
    lease.onApplicationShutdown();
  });
});
