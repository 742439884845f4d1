import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../platform/http/actor';
import { CurrentActor, CurrentPrincipal, CustomerOnly } from '../platform/http/policy.decorators';
import type { Principal } from '../platform/http/principal';
import {
  ChooseNumberDto,
  ConfirmEmailDto,
  CreateNumberChangeDto,
  OfferNumbersDto,
} from './dto/number-change.dto';
import { NumberChangeService } from './number-change.service';
import { customerView } from './number-change.views';

/** A signed-in customer's own number-change requests; every call is scoped to their subscriber id. */
@ApiTags('number change (customer)')
@ApiBearerAuth()
@Controller('customer/number-change')
export class CustomerNumberChangeController {
  constructor(private readonly service: NumberChangeService) {}

  @Post()
  @CustomerOnly()
  async create(
    @Body() dto: CreateNumberChangeDto,
    @CurrentPrincipal() p: Principal,
    @CurrentActor() a: Actor,
  ) {
    return customerView(await this.service.create(subscriberOf(p), dto, a));
  }

  @Get()
  @CustomerOnly()
  async list(@CurrentPrincipal() p: Principal) {
    return (await this.service.listForSubscriber(subscriberOf(p))).map(customerView);
  }

  @Get(':id')
  @CustomerOnly()
  async get(@Param('id', ParseUUIDPipe) id: string, @CurrentPrincipal() p: Principal) {
    return customerView(await this.service.get(id, subscriberOf(p)));
  }

  @Post(':id/confirm-email')
  @CustomerOnly()
  @HttpCode(200)
  async confirmEmail(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ConfirmEmailDto,
    @CurrentPrincipal() p: Principal,
    @CurrentActor() a: Actor,
  ) {
    return customerView(await this.service.confirmEmail(subscriberOf(p), id, dto.code, a));
  }

  /** Reserves numbers for this request (each for NUMBER_RESERVATION_MINUTES); asking again replaces them. */
  @Post(':id/offers')
  @CustomerOnly()
  @HttpCode(200)
  async offers(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: OfferNumbersDto,
    @CurrentPrincipal() p: Principal,
    @CurrentActor() a: Actor,
  ) {
    return { offers: await this.service.offer(subscriberOf(p), id, !!dto.similar, a) };
  }

  @Post(':id/choose')
  @CustomerOnly()
  @HttpCode(200)
  async choose(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ChooseNumberDto,
    @CurrentPrincipal() p: Principal,
    @CurrentActor() a: Actor,
  ) {
    return customerView(await this.service.choose(subscriberOf(p), id, dto.msisdn, a));
  }

  @Post(':id/cancel')
  @CustomerOnly()
  @HttpCode(200)
  async cancel(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() p: Principal,
    @CurrentActor() a: Actor,
  ) {
    return customerView(await this.service.cancel(subscriberOf(p), id, a));
  }
}

/** @CustomerOnly guarantees a customer principal; this narrows the type. */
function subscriberOf(p: Principal): string {
  if (p.type !== 'customer') throw new Error('customer principal expected');
  return p.subscriberId;
}
