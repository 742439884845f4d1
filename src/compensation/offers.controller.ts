import {
  Body,
  Controller,
  Get,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { IncomingMessage as Request } from 'node:http';
import type { Actor } from '../platform/http/actor';
import { CurrentActor, Roles } from '../platform/http/policy.decorators';
import { CreateOfferDto } from './dto/offer.dto';
import { OffersService } from './offers.service';

@ApiTags('compensation')
@ApiBearerAuth()
@Controller('compensation/offers')
export class OffersController {
  constructor(private readonly offers: OffersService) {}

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

  /** Body: text/csv or text/plain, one number or account id per line (first column); streamed. */
  @Post(':id/eligible')
  @Roles('supervisor', 'admin')
  @ApiConsumes('text/csv', 'text/plain')
  upload(@Param('id', ParseUUIDPipe) id: string, @Req() req: Request, @CurrentActor() actor: Actor) {
    if (!/^text\/(csv|plain)\b/.test(req.headers['content-type'] ?? ''))
      throw new UnsupportedMediaTypeException('Send the list as text/csv or text/plain');
    return this.offers.addToList(id, req, actor);
  }
}
