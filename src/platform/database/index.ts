export { DatabaseModule } from './database.module';
export { dataSourceOptions, MIGRATIONS_GLOB } from './data-source-options';
export { ensureDatabase } from './ensure-database';
