import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventStreams } from '../platform/http/event-stream';
import { AudiencePort } from '../subscribers/audience.port';
import { AnalysisFile } from './analysis-file.entity';
import { AnalysisRun } from './analysis-run.entity';
import { AnalysisController, CustomerExposureController } from './analysis.controller';
import { AnalysisProcessor } from './analysis.processor';
import { ANALYSIS_QUEUE, AnalysisService } from './analysis.service';

/** Global so notifications and compensation find the AudiencePort (an analysis run's matched subscribers) without importing us. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([AnalysisRun, AnalysisFile]),
    BullModule.registerQueue({ name: ANALYSIS_QUEUE }),
  ],
  controllers: [AnalysisController, CustomerExposureController],
  providers: [
    AnalysisService,
    AnalysisProcessor,
    EventStreams,
    { provide: AudiencePort, useExisting: AnalysisService },
  ],
  exports: [AnalysisService, AudiencePort],
})
export class AnalysisModule {}
