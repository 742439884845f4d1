import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';

/** Migrations live in /migrations (compiled to dist/migrations); the glob covers both ts (jest) and js. */
export const MIGRATIONS_GLOB = join(__dirname, '..', '..', '..', 'migrations', '*.{ts,js}');

/** Limits that keep a hung or unreachable server from hanging the process (0 = none). */
export interface DatabaseTimeouts {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  queryTimeoutMs: number;
}

/** `poolMax`: connections per process (PostgreSQL's max_connections is shared by every process). */
export function dataSourceOptions(
  url: string,
  extra: Partial<DataSourceOptions> = {},
  poolMax = 20,
  timeouts?: DatabaseTimeouts,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    extra: {
      max: poolMax,
      application_name: 'candor',
      ...(timeouts && {
        connectionTimeoutMillis: timeouts.connectTimeoutMs || undefined,
        statement_timeout: timeouts.statementTimeoutMs || undefined,
        query_timeout: timeouts.queryTimeoutMs || undefined,
        keepAlive: true,
      }),
    },
    ...extra,
  } as DataSourceOptions;
}
