import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventStreams } from '../platform/http/event-stream';
import { AudiencePort } from '../subscribers/audience.port';
import { AnalysisFile } from './analysis-file.entity';
import { AnalysisRun } from './analysis-run.entity';
import { AnalysisController, CustomerExposureController } from './analysis.controller';
import {
  AnalysisChecksumProcessor,
  AnalysisFoldProcessor,
  AnalysisProcessor,
  AnalysisTaskProcessor,
} from './analysis.processor';
import { AnalysisAudience } from './analysis-audience.service';
import { AnalysisInputs } from './analysis-inputs.service';
import { AnalysisResultsRepository } from './analysis-results.repository';
import { AnalysisResults } from './analysis-results.service';
import { AnalysisRunner } from './analysis-runner.service';
import { AnalysisRunTransitions } from './analysis-run-transitions';
import { AnalysisRunsRepository } from './analysis-runs.repository';
import { AnalysisSummaries } from './analysis-summaries.service';
import { AnalysisTasksRepository } from './analysis-tasks.repository';
import {
  ANALYSIS_CHECKSUM_QUEUE,
  ANALYSIS_QUEUE,
  ANALYSIS_TASK_QUEUE,
  AnalysisTasksService,
} from './analysis-tasks.service';
import { AnalysisService } from './analysis.service';
import { CustomerExposureService } from './customer-exposure.service';
import { MatchesFoldRepository } from './matches-fold.repository';
import { ANALYSIS_FOLD_QUEUE, MatchesFolding } from './matches-folding.service';
import { RunFinishRepository } from './run-finish.repository';
import { RunFinisher } from './run-finisher';

/** Global so notifications and compensation find the AudiencePort (an analysis run's matched subscribers) without importing us. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([AnalysisRun, AnalysisFile]),
    BullModule.registerQueue(
      { name: ANALYSIS_QUEUE },
      { name: ANALYSIS_TASK_QUEUE },
      { name: ANALYSIS_CHECKSUM_QUEUE },
      { name: ANALYSIS_FOLD_QUEUE },
    ),
  ],
  controllers: [AnalysisController, CustomerExposureController],
  providers: [
    AnalysisRunsRepository,
    AnalysisTasksRepository,
    AnalysisResultsRepository,
    AnalysisService,
    AnalysisInputs,
    AnalysisSummaries,
    AnalysisResults,
    AnalysisAudience,
    CustomerExposureService,
    AnalysisRunner,
    AnalysisRunTransitions,
    AnalysisTasksService,
    RunFinisher,
    RunFinishRepository,
    AnalysisProcessor,
    AnalysisTaskProcessor,
    AnalysisChecksumProcessor,
    MatchesFoldRepository,
    MatchesFolding,
    AnalysisFoldProcessor,
    EventStreams,
    { provide: AudiencePort, useExisting: AnalysisAudience },
  ],
  exports: [AnalysisService, AudiencePort, CustomerExposureService],
})
export class AnalysisModule {}
