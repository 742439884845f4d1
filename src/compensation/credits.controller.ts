import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HttpResponse as Response } from './http-types';
import type { Actor } from '../platform/http/actor';
import { CurrentActor, Roles } from '../platform/http/policy.decorators';
import { CreditsService } from './credits.service';
import { DecisionDto, IssueCreditDto, ListCreditsDto } from './dto/issue-credit.dto';

/** Replays carry this header, so a client can tell a retry's answer from a fresh one. */
export function sendIdempotent(res: Response, r: { status: number; body: unknown; replayed: boolean }) {
  res.status(r.status);
  if (r.replayed) res.setHeader('Idempotent-Replayed', 'true');
  return r.body;
}

@ApiTags('compensation')
@ApiBearerAuth()
@Controller('compensation')
export class CreditsController {
  constructor(private readonly credits: CreditsService) {}

  /** 201 issued, 202 waiting for a second approval; a retry with the same key replays the first answer. */
  @Post('credits')
  @Roles('support', 'supervisor', 'admin')
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  async issue(
    @Body() dto: IssueCreditDto,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ) {
    return sendIdempotent(res, await this.credits.issue(dto, actor, key));
  }

  @Get('credits')
  @Roles('support', 'supervisor', 'admin')
  list(@Query() q: ListCreditsDto) {
    return this.credits.list(q);
  }

  @Get('credits/:id')
  @Roles('support', 'supervisor', 'admin')
  @ApiOperation({ summary: 'One credit: amount, reason, status, who asked and who decided' })
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.credits.get(id);
  }

  @Post('credits/:id/approve')
  @Roles('supervisor', 'admin')
  @HttpCode(200)
  approve(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor) {
    return this.credits.approve(id, actor);
  }

  @Post('credits/:id/reject')
  @Roles('supervisor', 'admin')
  @HttpCode(200)
  reject(@Param('id', ParseUUIDPipe) id: string, @Body() dto: DecisionDto, @CurrentActor() actor: Actor) {
    return this.credits.reject(id, actor, dto.reason);
  }

  @Post('credits/:id/reverse')
  @Roles('supervisor', 'admin')
  @HttpCode(200)
  reverse(@Param('id', ParseUUIDPipe) id: string, @Body() dto: DecisionDto, @CurrentActor() actor: Actor) {
    return this.credits.reverse(id, actor, dto.reason);
  }

  /** A customer's balance, derived from the ledger, and their recent credits. */
  @Get('subscribers/:id/account')
  @Roles('support', 'supervisor', 'admin')
  account(@Param('id', ParseUUIDPipe) id: string) {
    return this.credits.account(id);
  }
}
