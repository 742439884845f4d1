import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';

/** Migrations live in /migrations (compiled to dist/migrations); the glob covers both ts (jest) and js. */
export const MIGRATIONS_GLOB = join(__dirname, '..', '..', '..', 'migrations', '*.{ts,js}');

/** `poolMax`: connections per process (PostgreSQL's max_connections is shared by every process). */
export function dataSourceOptions(
  url: string,
  extra: Partial<DataSourceOptions> = {},
  poolMax = 20,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    extra: { max: poolMax, application_name: 'candor' },
    ...extra,
  } as DataSourceOptions;
}
