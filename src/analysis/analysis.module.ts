import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AudienceSource } from '../notifications/audience-source';
import { AnalysisFile } from './analysis-file.entity';
import { AnalysisRun } from './analysis-run.entity';
import { AnalysisController, CustomerExposureController } from './analysis.controller';
import { AnalysisProcessor } from './analysis.processor';
import { AnalysisService } from './analysis.service';

/** Global so notifications finds the AudienceSource (an analysis run's matched subscribers) without importing us. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AnalysisRun, AnalysisFile])],
  controllers: [AnalysisController, CustomerExposureController],
  providers: [AnalysisService, AnalysisProcessor, { provide: AudienceSource, useExisting: AnalysisService }],
  exports: [AnalysisService, AudienceSource],
})
export class AnalysisModule {}
