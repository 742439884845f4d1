import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AudiencePort } from '../subscribers/audience.port';
import { AnalysisFile } from './analysis-file.entity';
import { AnalysisRun } from './analysis-run.entity';
import { AnalysisController, CustomerExposureController } from './analysis.controller';
import { AnalysisProcessor } from './analysis.processor';
import { AnalysisService } from './analysis.service';

/** Global so notifications and compensation find the AudiencePort (an analysis run's matched subscribers) without importing us. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AnalysisRun, AnalysisFile])],
  controllers: [AnalysisController, CustomerExposureController],
  providers: [AnalysisService, AnalysisProcessor, { provide: AudiencePort, useExisting: AnalysisService }],
  exports: [AnalysisService, AudiencePort],
})
export class AnalysisModule {}
