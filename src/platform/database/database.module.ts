import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config';
import { dataSourceOptions } from './data-source-options';
import { ensureDatabase } from './ensure-database';
import { initializeOrStartOffline, OfflineStart } from './offline-start';
import { isDatabaseUnavailable } from './unavailable';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        // An API process starts without the database (pages from the disk snapshot); a worker waits for it.
        const offline: OfflineStart = { startOffline: config.runsApi };
        if (config.database.autoCreate) {
          try {
            if (await ensureDatabase(config.database.url)) new Logger('Database').log('created the database');
          } catch (e) {
            if (!offline.startOffline || !isDatabaseUnavailable(e)) throw e;
          }
        }
        return {
          ...dataSourceOptions(config.database.url, {}, config.database.poolMax, config.database),
          autoLoadEntities: true,
          migrationsRun: config.database.migrateOnStart,
          retryAttempts: 3,
          retryDelay: 500,
          ...offline,
        };
      },
      dataSourceFactory: (options) => initializeOrStartOffline(options!),
    }),
  ],
})
export class DatabaseModule {}
