import { Logger } from '@nestjs/common';
import { DataSource, DataSourceOptions } from 'typeorm';
import { isDatabaseUnavailable } from './unavailable';

const RETRY_MS = 1000;

/** Set in the DataSource options by DatabaseModule: this process may start while the server is away. */
export interface OfflineStart {
  startOffline: boolean;
}

/**
 * Initialises `options` as a DataSource; when the server cannot be reached and `startOffline`, starts without
 * it instead of failing the boot, so an API process serves the status page from its disk snapshot (and fast
 * 503s elsewhere) while PostgreSQL is down. The entity metadata is built (Nest wires every repository) and the
 * pool is created unconnected: pg opens connections on first use, so queries work as soon as the server is
 * back. The rest of TypeORM's start (server version, extensions, migrations) is retried in the background.
 */
export async function initializeOrStartOffline(
  options: DataSourceOptions & Partial<OfflineStart>,
): Promise<DataSource> {
  const ds = new DataSource(options);
  try {
    return await ds.initialize();
  } catch (e) {
    if (!options.startOffline || !isDatabaseUnavailable(e)) throw e;
    const logger = new Logger('Database');
    logger.warn(`database unavailable at start (${(e as Error).message}): starting without it`);
    await startOffline(ds, options);
    void finishWhenReachable(ds, logger);
    return ds;
  }
}

/** What DataSource.initialize() does before its first query (TypeORM 0.3, postgres driver). */
async function startOffline(ds: DataSource, options: DataSourceOptions): Promise<void> {
  const driver = ds.driver as any;
  const { url, extra } = options as { url: string; extra?: Record<string, unknown> };
  driver.master = new driver.postgres.Pool({ connectionString: url, ...extra });
  driver.master.on('error', (err: Error) => new Logger('Database').warn(`pool error: ${err.message}`));
  Object.assign(ds, { isInitialized: true });
  await (ds as any).buildMetadatas();
}

/** The first-query part of the start, retried every second until the server answers. */
async function finishWhenReachable(ds: DataSource, logger: Logger): Promise<void> {
  const driver = ds.driver as any;
  for (;;) {
    if (!ds.isInitialized) return; // the app closed first
    try {
      const runner = ds.createQueryRunner('master') as any;
      try {
        driver.version ??= await runner.getVersion();
        driver.database ??= await runner.getCurrentDatabase();
        driver.searchSchema ??= await runner.getCurrentSchema();
        driver.schema ??= driver.searchSchema;
      } finally {
        await runner.release();
      }
      await driver.afterConnect();
      if (ds.options.migrationsRun)
        await ds.runMigrations({ transaction: ds.options.migrationsTransactionMode });
      logger.log('database reachable again: start completed');
      return;
    } catch (e) {
      if (!isDatabaseUnavailable(e)) logger.error(`completing the start failed: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, RETRY_MS).unref());
    }
  }
}
