import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { AnalysisModule } from './analysis/analysis.module';
import { AuditModule } from './audit/audit.module';
import { ChannelsModule } from './channels/channels.module';
import { CompensationModule } from './compensation/compensation.module';
import { IdentityModule } from './identity/identity.module';
import { NumberChangeModule } from './number-change/number-change.module';
import { PlatformConfigModule } from './platform/config';
import { DatabaseModule } from './platform/database';
import { HealthModule } from './platform/health/health.module';
import { LoggingModule } from './platform/logging/logging.module';
import { HttpMetricsMiddleware, MetricsModule } from './platform/metrics/metrics.module';
import { PrivacyModule } from './platform/privacy';
import { QueueModule } from './platform/queue/queue.module';
import { RedisModule } from './platform/redis/redis.module';
import { SandboxModule } from './sandbox/sandbox.module';
import { SubscribersModule } from './subscribers/subscribers.module';
import { NotificationsModule } from './notifications/notifications.module';
import { ClockModule } from './platform/clock/clock';
import { IncidentsModule } from './incidents/incidents.module';
import { StatusPageModule } from './status-page/status-page.module';
import { ApprovalsModule } from './approvals/approvals.module';
import { SupportModule } from './support/support.module';

/** Domain modules, one per folder (ARCHITECTURE.md). Add new ones here. */
const DOMAIN_MODULES = [
  AuditModule,
  IdentityModule,
  SubscribersModule,
  AnalysisModule,
  NotificationsModule,
  CompensationModule,
  NumberChangeModule,
  IncidentsModule,
  StatusPageModule,
  ApprovalsModule,
  SupportModule,
];

@Module({})
export class AppModule implements NestModule {
  /** `overrides` replace environment variables (tests, CLI); everything else comes from process.env. */
  static forRoot(overrides: Record<string, string | undefined> = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformConfigModule.forRoot(overrides),
        LoggingModule,
        PrivacyModule,
        ClockModule,
        DatabaseModule,
        RedisModule,
        MetricsModule,
        QueueModule,
        HealthModule,
        SandboxModule,
        ChannelsModule,
        ...DOMAIN_MODULES,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
