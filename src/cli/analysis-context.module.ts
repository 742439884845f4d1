import { DynamicModule, Module } from '@nestjs/common';
import { AnalysisModule } from '../analysis/analysis.module';
import { AuditModule } from '../audit/audit.module';
import { PlatformConfigModule } from '../platform/config';
import { DatabaseModule } from '../platform/database';
import { LoggingModule } from '../platform/logging/logging.module';
import { MetricsModule } from '../platform/metrics/metrics.module';
import { PrivacyModule } from '../platform/privacy';
import { QueueModule } from '../platform/queue/queue.module';
import { RedisModule } from '../platform/redis/redis.module';

/**
 * What `analyze` runs in: the analysis module and the platform it stands on, without the HTTP stack and the
 * other domains. Loading and wiring the whole application took ~30-50 MB more of a run's memory budget
 * (README, "Exposure analysis"), and a run needs none of it.
 */
@Module({})
export class AnalysisContextModule {
  static forRoot(overrides: Record<string, string | undefined>): DynamicModule {
    return {
      module: AnalysisContextModule,
      imports: [
        PlatformConfigModule.forRoot(overrides),
        LoggingModule,
        PrivacyModule,
        DatabaseModule,
        RedisModule, // the durable-work primitive of the queues reads job state from Redis
        MetricsModule,
        QueueModule,
        AuditModule,
        AnalysisModule,
      ],
    };
  }
}
