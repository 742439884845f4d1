import { Controller, Get, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { HttpResponse as Response } from '../platform/http/http-response';
import type { Actor } from '../platform/http/actor';
import { IdempotencyKey, sendIdempotent } from '../platform/http/idempotency-key';
import { CurrentActor, CurrentPrincipal, CustomerOnly } from '../platform/http/policy.decorators';
import type { Principal } from '../platform/http/principal';
import { CreditsService } from './credits.service';
import { OfferClaimsService } from './offer-claims.service';

/** The signed-in customer's own offers and balance; everything is scoped to principal.subscriberId. */
@ApiTags('customer')
@ApiBearerAuth()
@Controller('customer')
export class CustomerCompensationController {
  constructor(
    private readonly offers: OfferClaimsService,
    private readonly credits: CreditsService,
  ) {}

  @Get('offers')
  @CustomerOnly()
  list(@CurrentPrincipal() p: Principal) {
    return this.offers.listForCustomer(subscriberOf(p));
  }

  @Post('offers/:id/claim')
  @CustomerOnly()
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async claim(
    @Param('id', ParseUUIDPipe) id: string,
    @IdempotencyKey() key: string | undefined,
    @CurrentPrincipal() p: Principal,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ) {
    return sendIdempotent(res, await this.offers.claim(id, subscriberOf(p), 'web', actor, key));
  }

  @Get('balance')
  @CustomerOnly()
  async balance(@CurrentPrincipal() p: Principal) {
    const { balancePence, credits } = await this.credits.account(subscriberOf(p));
    return {
      balancePence,
      credits: credits
        .filter((c) => c.status === 'issued')
        .map((c) => ({
          amountPence: c.amountPence,
          source: c.source,
          at: c.createdAt,
          reversed: !!c.reversedAt,
        })),
    };
  }
}

function subscriberOf(p: Principal): string {
  if (p.type !== 'customer') throw new Error('CustomerOnly route reached without a customer principal');
  return p.subscriberId;
}
