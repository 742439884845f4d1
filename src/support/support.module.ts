import { Module } from '@nestjs/common';
import { AnalysisModule } from '../analysis/analysis.module';
import { CompensationModule } from '../compensation/compensation.module';
import { NumberChangeModule } from '../number-change/number-change.module';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { SupportController } from './support.controller';
import { SupportService } from './support.service';

/** Support's customer search and customer page (staff console), over the modules that own the data. */
@Module({
  imports: [SubscribersModule, AnalysisModule, CompensationModule, NumberChangeModule],
  controllers: [SupportController],
  providers: [SupportService],
})
export class SupportModule {}
