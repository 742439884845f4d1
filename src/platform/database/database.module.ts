import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config';
import { dataSourceOptions } from './data-source-options';
import { ensureDatabase } from './ensure-database';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        if (config.database.autoCreate && (await ensureDatabase(config.database.url))) {
          new Logger('Database').log('created the database');
        }
        return {
          ...dataSourceOptions(config.database.url, {}, config.database.poolMax, config.database),
          autoLoadEntities: true,
          migrationsRun: config.database.migrateOnStart,
          retryAttempts: 3,
          retryDelay: 500,
        };
      },
    }),
  ],
})
export class DatabaseModule {}
