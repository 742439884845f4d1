import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiTags } from '@nestjs/swagger';
import type { ServerResponse } from 'node:http';
import type { Actor } from '../platform/http/actor';
import { CurrentActor, Public } from '../platform/http/policy.decorators';
import { CustomerPagesService, Rendered } from './customer-pages.service';
import { AffectedCodeForm, AffectedNumberForm, VerifyQuery } from './dto/customer-pages.dto';
import { LangQuery } from './dto/status-page.dto';
import { sendHtml } from './status-page.service';

/**
 * Public pages for customers, server-rendered without JavaScript, en/cy, never cached (sendHtml: no-store).
 * CSRF: these forms carry no ambient credentials (no cookie, no session; the one-time code is in the form
 * itself), so a forged cross-site post can do no more than the attacker could do by posting directly.
 */
@ApiTags('customer pages')
@Controller()
export class CustomerPagesController {
  constructor(private readonly pages: CustomerPagesService) {}

  @Get('affected')
  @Public()
  @ApiExcludeEndpoint()
  start(@Query() q: LangQuery, @Res() res: ServerResponse) {
    send(res, this.pages.affectedStart(q.lang ?? 'en'));
  }

  @Post('affected')
  @Public()
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async requestCode(@Body() f: AffectedNumberForm, @CurrentActor() actor: Actor, @Res() res: ServerResponse) {
    send(res, await this.pages.requestCode(f, actor));
  }

  @Post('affected/verify')
  @Public()
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async checkCode(@Body() f: AffectedCodeForm, @CurrentActor() actor: Actor, @Res() res: ServerResponse) {
    send(res, await this.pages.checkCode(f, actor));
  }

  /** "Check a message is from us" (the status page's lookup form submits here); JSON is GET /verify/:code. */
  @Get('verify')
  @Public()
  @ApiExcludeEndpoint()
  async verify(@Query() q: VerifyQuery, @Req() req: { ip?: string }, @Res() res: ServerResponse) {
    send(res, await this.pages.verifyPage(q.code, q.lang ?? 'en', req.ip));
  }
}

function send(res: ServerResponse, page: Rendered): void {
  sendHtml(res, page.status, page.html);
}
