import { Module } from '@nestjs/common';
import { AnalysisModule } from '../analysis/analysis.module';
import { CompensationModule } from '../compensation/compensation.module';
import { NumberChangeModule } from '../number-change/number-change.module';
import { ErrorPages } from '../platform/http/error-pages';
import { StatusPageModule } from '../status-page/status-page.module';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { AccountPagesService } from './account-pages.service';
import { AccountController } from './account.controller';
import { HtmlErrorPages } from './html-error-pages';
import { NumberChangePagesService } from './number-change-pages.service';

/** Customer self-service pages: My account (cookie session), "Not you?", and error pages for browsers. */
@Module({
  imports: [StatusPageModule, AnalysisModule, CompensationModule, NumberChangeModule, SubscribersModule],
  controllers: [AccountController],
  providers: [
    AccountPagesService,
    NumberChangePagesService,
    { provide: ErrorPages, useClass: HtmlErrorPages },
  ],
  exports: [ErrorPages],
})
export class AccountModule {}
