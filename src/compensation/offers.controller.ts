import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Readable } from 'node:stream';
import { UploadStream } from '../platform/http/upload';
import type { Actor } from '../platform/http/actor';
import { CurrentActor, Interactive, Roles } from '../platform/http/policy.decorators';
import { RejectWithReasonDto } from '../platform/http/decision.dto';
import { CreateOfferDto } from './dto/offer.dto';
import { OfferApprovalsService } from './offer-approvals.service';
import { OffersService } from './offers.service';

@ApiTags('compensation')
@ApiBearerAuth()
@Controller('compensation/offers')
export class OffersController {
  constructor(
    private readonly offers: OffersService,
    private readonly approvals: OfferApprovalsService,
  ) {}

  @Post()
  @Roles('supervisor', 'admin')
  create(@Body() dto: CreateOfferDto, @CurrentActor() actor: Actor) {
    return this.offers.create(dto, actor);
  }

  @Get()
  @Roles('support', 'supervisor', 'admin')
  list() {
    return this.offers.list();
  }

  @Get(':id')
  @Roles('support', 'supervisor', 'admin')
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.offers.get(id);
  }

  /** A second supervisor approves a credit offer that waits (auto, or liability above the set amount). */
  @Post(':id/approve')
  @Interactive()
  @Roles('supervisor', 'admin')
  @HttpCode(200)
  approve(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor) {
    return this.approvals.approve(id, actor);
  }

  /** Rejects, for good, a credit offer that waits for approval; the reason is stored on the offer. */
  @Post(':id/reject')
  @Interactive()
  @Roles('supervisor', 'admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject an offer awaiting approval, with a reason (not its author)' })
  reject(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: RejectWithReasonDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.approvals.reject(id, dto.reason, actor);
  }

  /** Body: text/csv or text/plain, one number or account id per line (first column); streamed. */
  @Post(':id/eligible')
  @Roles('supervisor', 'admin')
  @ApiConsumes('text/csv', 'text/plain')
  upload(
    @Param('id', ParseUUIDPipe) id: string,
    @UploadStream('text/csv', 'text/plain') list: Readable,
    @CurrentActor() actor: Actor,
  ) {
    return this.offers.addToList(id, list, actor);
  }
}
