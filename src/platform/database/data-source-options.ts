import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';

/** Migrations live in /migrations (compiled to dist/migrations); the glob covers both ts (jest) and js. */
export const MIGRATIONS_GLOB = join(__dirname, '..', '..', '..', 'migrations', '*.{ts,js}');

export function dataSourceOptions(url: string, extra: Partial<DataSourceOptions> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    extra: { max: 20, application_name: 'candor' },
    ...extra,
  } as DataSourceOptions;
}
