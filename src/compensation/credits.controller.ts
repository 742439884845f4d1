import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HttpResponse as Response } from '../platform/http/http-response';
import type { Actor } from '../platform/http/actor';
import { IdempotencyKey, sendIdempotent } from '../platform/http/idempotency-key';
import { CurrentActor, Interactive, Roles } from '../platform/http/policy.decorators';
import { CreditsService } from './credits.service';
import { DecisionDto, IssueCreditDto, ListCreditsDto } from './dto/issue-credit.dto';

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
    @IdempotencyKey({ required: true }) key: string,
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
  @Interactive()
  @Roles('supervisor', 'admin')
  @HttpCode(200)
  approve(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor) {
    return this.credits.approve(id, actor);
  }

  @Post('credits/:id/reject')
  @Interactive()
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
