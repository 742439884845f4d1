import { RedisErrorLog } from '../platform/redis/redis-errors';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { IncidentEvents } from '../incidents/incident-events';
import { IncidentsService, PublicIncident } from '../incidents/incidents.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { REDIS } from '../platform/redis/redis.module';

export interface CachedPage {
  body: Buffer;
  etag: string;
  contentType: string;
}

/** Dates of the page data come back as Dates from the snapshot file (every `...At` / `...By` field). */
const reviveDates = (key: string, v: unknown) =>
  typeof v === 'string' && /(At|By)$/.test(key) && /^\d{4}-\d\d-\d\dT/.test(v) ? new Date(v) : v;

/**
 * Built for the surge, and for a database that hangs: the public data is read once per change, each page
 * rendered once per change into memory, and every request after that is a map lookup. A request never waits
 * for the database once a page exists: a due refresh runs in the background (one at a time, given up after
 * STATUS_PAGE_READ_TIMEOUT_MS) while the last rendering is served (flagged stale). A change anywhere is
 * broadcast on Redis pub/sub, so every instance re-reads within a second. Each refresh is also written to a
 * snapshot file, from which a process started while the database is down serves the page until it returns.
 */
@Injectable()
export class StatusPageCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(StatusPageCache.name);
  private snapshot: PublicIncident[] | null = null;
  private pages = new Map<string, CachedPage>();
  private wanted = 1; // generation asked for (bumped by each invalidation)
  private changed = 0; // generation of the latest invalidation (a real change, not just age)
  private loaded = 0; // generation the snapshot reflects
  private loadedAt = 0;
  private failedAt = 0;
  private refreshing: Promise<void> | null = null;
  /** The database read itself (it may outlive a refresh that gave up on it: never two at once). */
  private reading: Promise<PublicIncident[]> | null = null;
  /** The next "next update by" promise to lapse: the pages must say "late" from then on. */
  private nextLapse = Infinity;
  private subscriber: Redis | null = null;
  private readonly channel: string;

  constructor(
    private readonly incidents: IncidentsService,
    private readonly events: IncidentEvents,
    private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly clock: Clock,
  ) {
    this.channel = `${config.redis.prefix}:status-page:invalidate`;
  }

  async onModuleInit(): Promise<void> {
    this.events.on(async () => {
      this.invalidateLocally();
      await this.redis.publish(this.channel, String(Date.now()));
    });
    this.subscriber = this.redis.duplicate();
    this.subscriber.on('message', () => this.invalidateLocally());
    new RedisErrorLog(this.logger).watch('status page invalidation channel', this.subscriber);
    // Without Redis the page still works (refreshed every STATUS_PAGE_REFRESH_SECONDS): do not wait for it.
    void this.subscriber.subscribe(this.channel).catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscriber?.disconnect();
    await this.refreshing?.catch(() => undefined);
  }

  invalidateLocally(): void {
    this.changed = ++this.wanted;
  }

  /** True while the pages shown are older than the latest change (the database could not be read). */
  get stale(): boolean {
    return this.loaded < this.wanted;
  }

  /**
   * The page under `key`, rendered from the current snapshot by `render` (null = no such page). Waits for the
   * database only when nothing was ever loaded (and no snapshot file exists); throws when that fails.
   */
  async page(
    key: string,
    contentType: string,
    render: (s: PublicIncident[]) => string | null,
  ): Promise<CachedPage | null> {
    const changed = this.changed > this.loaded;
    const refresh = this.refreshIfDue();
    if (!this.snapshot) await refresh;
    else if (changed && this.config.statusPage.freshWaitMs > 0) await this.atMost(refresh);
    if (!this.snapshot) throw new Error('status page data unavailable');
    const cached = this.pages.get(key);
    if (cached) return cached;
    const body = render(this.snapshot);
    // Misses (unknown ids) are not kept: random URLs must not grow the map.
    if (body === null) return null;
    const page = {
      body: Buffer.from(body),
      contentType,
      etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
    };
    this.pages.set(key, page);
    return page;
  }

  /**
   * The cached page without touching the database (the fast path), unless a change is waiting to be shown (then
   * undefined: the ordinary path waits briefly for it). A page that is only old is served at once and a refresh
   * starts behind it, so a due refresh (or a hung database) never holds a request.
   */
  peek(key: string): CachedPage | null | undefined {
    if (this.changed > this.loaded || this.clock.now().getTime() >= this.nextLapse) return undefined;
    const page = this.pages.get(key);
    if (page) void this.refreshIfDue();
    return page;
  }

  private atMost(p: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      p,
      new Promise<void>((r) => (timer = setTimeout(r, this.config.statusPage.freshWaitMs))),
    ]).finally(() => clearTimeout(timer));
  }

  /** Starts a refresh when one is due (one at a time); resolves when it ends. Never rejects. */
  private refreshIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.loadedAt > this.config.statusPage.refreshSeconds * 1000)
      this.wanted = Math.max(this.wanted, this.loaded + 1);
    // A promise lapsed: the pages must say "late", so this counts as a change (waited for, briefly).
    if (this.clock.now().getTime() >= this.nextLapse)
      this.changed = this.wanted = Math.max(this.wanted, this.loaded + 1);
    // While the database is failing, retry at most once a second and serve what we have meanwhile.
    if (!this.stale || (this.snapshot && now - this.failedAt < 1000)) return Promise.resolve();
    this.refreshing ??= this.reload().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async reload(): Promise<void> {
    const generation = this.wanted;
    let timer: NodeJS.Timeout | undefined;
    try {
      this.reading ??= this.incidents.publicSnapshot().finally(() => (this.reading = null));
      const snapshot = await Promise.race([
        this.reading,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('the database did not answer in time')),
            this.config.statusPage.readTimeoutMs,
          );
        }),
      ]);
      this.use(snapshot, generation);
      void this.writeSnapshotFile(snapshot);
    } catch (e) {
      this.failedAt = Date.now();
      if (!this.snapshot && (await this.readSnapshotFile())) return;
      this.logger.warn(
        `could not refresh the status page, serving the last rendering: ${(e as Error).message}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private use(snapshot: PublicIncident[], generation: number): void {
    this.snapshot = snapshot;
    const at = this.clock.now().getTime();
    this.nextLapse = Math.min(
      Infinity,
      ...snapshot.map((i) => i.nextUpdateBy?.getTime() ?? Infinity).filter((t) => t > at),
    );
    this.pages = new Map();
    this.loaded = generation;
    this.loadedAt = Date.now();
  }

  /** Atomic (a temporary file renamed over the last), so a reader never sees half a file. */
  private async writeSnapshotFile(snapshot: PublicIncident[]): Promise<void> {
    const file = this.config.statusPage.snapshotFile;
    if (!file) return;
    try {
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify({ writtenAt: new Date().toISOString(), incidents: snapshot }));
      await rename(tmp, file);
    } catch (e) {
      this.logger.warn(`status page snapshot not written: ${(e as Error).message}`);
    }
  }

  /** The last snapshot written by any process, as a stale page (the database is down at start). */
  private async readSnapshotFile(): Promise<boolean> {
    const file = this.config.statusPage.snapshotFile;
    if (!file) return false;
    try {
      const { writtenAt, incidents } = JSON.parse(await readFile(file, 'utf8'), reviveDates);
      this.snapshot = incidents as PublicIncident[];
      this.pages = new Map();
      this.loaded = 0; // stale: the next refresh replaces it as soon as the database answers
      this.logger.warn(`database unavailable: serving the status page from the snapshot of ${writtenAt}`);
      return true;
    } catch {
      return false;
    }
  }
}
