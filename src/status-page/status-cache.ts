import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
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

/**
 * Built for the surge: the public data is read once per change, each page rendered once per change into
 * memory, and every request after that is a map lookup. A change anywhere (any instance, the worker's
 * scheduled publication) is broadcast on Redis pub/sub, so every instance re-reads within a second. When
 * PostgreSQL cannot be reached the last rendering keeps being served (flagged stale) until it can.
 */
@Injectable()
export class StatusPageCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(StatusPageCache.name);
  private snapshot: PublicIncident[] | null = null;
  private pages = new Map<string, CachedPage>();
  private wanted = 1; // generation asked for (bumped by each invalidation)
  private loaded = 0; // generation the snapshot reflects
  private loadedAt = 0;
  private failedAt = 0;
  private refreshing: Promise<void> | null = null;
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
    this.subscriber.on('error', (e) => this.logger.warn(`invalidation channel: ${e.message}`));
    await this.subscriber.subscribe(this.channel);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
  }

  invalidateLocally(): void {
    this.wanted++;
  }

  /** True while the pages shown are older than the latest change (the database could not be read). */
  get stale(): boolean {
    return this.loaded < this.wanted;
  }

  /**
   * The page under `key`, rendered from the current snapshot by `render` (null = no such page). Throws
   * when nothing was ever loaded and the database is unreachable.
   */
  async page(
    key: string,
    contentType: string,
    render: (s: PublicIncident[]) => string | null,
  ): Promise<CachedPage | null> {
    await this.fresh();
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

  /** The cached page when it is current, without touching the database (the fast path); else undefined. */
  peek(key: string): CachedPage | null | undefined {
    if (
      this.stale ||
      Date.now() - this.loadedAt > this.config.statusPage.refreshSeconds * 1000 ||
      this.clock.now().getTime() >= this.nextLapse
    )
      return undefined;
    return this.pages.get(key) ?? undefined;
  }

  private async fresh(): Promise<void> {
    const now = Date.now();
    if (
      now - this.loadedAt > this.config.statusPage.refreshSeconds * 1000 ||
      this.clock.now().getTime() >= this.nextLapse
    )
      this.wanted = Math.max(this.wanted, this.loaded + 1);
    // While the database is failing, retry at most once a second and serve what we have meanwhile.
    if (!this.stale || (this.snapshot && now - this.failedAt < 1000)) return;
    this.refreshing ??= this.reload().finally(() => (this.refreshing = null));
    await this.refreshing;
  }

  private async reload(): Promise<void> {
    const generation = this.wanted;
    try {
      const snapshot = await this.incidents.publicSnapshot();
      this.snapshot = snapshot;
      const at = this.clock.now().getTime();
      this.nextLapse = Math.min(
        Infinity,
        ...snapshot.map((i) => i.nextUpdateBy?.getTime() ?? Infinity).filter((t) => t > at),
      );
      this.pages = new Map();
      this.loaded = generation;
      this.loadedAt = Date.now();
    } catch (e) {
      this.failedAt = Date.now();
      this.logger.warn(
        `could not refresh the status page, serving the last rendering: ${(e as Error).message}`,
      );
    }
  }
}
