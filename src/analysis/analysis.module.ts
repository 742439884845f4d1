import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AnalysisFile } from './analysis-file.entity';
import { AnalysisRun } from './analysis-run.entity';
import { AnalysisController, CustomerExposureController } from './analysis.controller';
import { AnalysisProcessor } from './analysis.processor';
import { ANALYSIS_QUEUE, AnalysisService } from './analysis.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([AnalysisRun, AnalysisFile]),
    BullModule.registerQueue({ name: ANALYSIS_QUEUE }),
  ],
  controllers: [AnalysisController, CustomerExposureController],
  providers: [AnalysisService, AnalysisProcessor],
  exports: [AnalysisService],
})
export class AnalysisModule {}
