import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { declareMessageKinds } from '../notifications/message-kinds';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { BillingController } from './billing.controller';
import { BillingOutbox } from './billing-outbox.entity';
import { BillingRepository } from './billing.repository';
import { BillingService } from './billing.service';
import { ClaimNotifier } from './claim-notifier';
import { COMPENSATION_KINDS } from './compensation-messages';
import { CompensationProcessor } from './compensation.processor';
import { Credit } from './credit.entity';
import { CreditsController } from './credits.controller';
import { CreditsRepository } from './credits.repository';
import { CreditsService } from './credits.service';
import { CustomerCompensationController } from './customer-compensation.controller';
import { KeywordClaims } from './keyword-claims';
import { LedgerRepository } from './ledger.repository';
import { LedgerService } from './ledger.service';
import { OfferClaim } from './offer-claim.entity';
import { Offer } from './offer.entity';
import { OffersController } from './offers.controller';
import { OfferApplyService } from './offer-apply.service';
import { OfferApprovalsService } from './offer-approvals.service';
import { OfferClaimsRepository } from './offer-claims.repository';
import { OfferClaimsService } from './offer-claims.service';
import { OffersRepository } from './offers.repository';
import { OffersService } from './offers.service';
import { ReportsController } from './reports.controller';
import { ReportsRepository } from './reports.repository';
import { ReportsService } from './reports.service';

declareMessageKinds(COMPENSATION_KINDS);

/** Offers and claims, goodwill credits, the double-entry ledger, the billing outbox and finance reports. */
@Module({
  imports: [TypeOrmModule.forFeature([Offer, OfferClaim, Credit, BillingOutbox]), SubscribersModule],
  controllers: [
    CreditsController,
    OffersController,
    CustomerCompensationController,
    BillingController,
    ReportsController,
  ],
  providers: [
    LedgerRepository,
    BillingRepository,
    CreditsRepository,
    OffersRepository,
    OfferClaimsRepository,
    ReportsRepository,
    LedgerService,
    BillingService,
    CreditsService,
    OffersService,
    OfferClaimsService,
    OfferApplyService,
    OfferApprovalsService,
    ReportsService,
    ClaimNotifier,
    KeywordClaims,
    CompensationProcessor,
  ],
  exports: [OffersService, OfferClaimsService, CreditsService, LedgerService],
})
export class CompensationModule {}
