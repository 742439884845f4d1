import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
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

  /** "Check a message is from us" (the status page's lookup form submits here). */
  @Get('verify')
  @Public()
  @ApiExcludeEndpoint()
  async verify(@Query() q: VerifyQuery, @Req() req: { ip?: string }, @Res() res: ServerResponse) {
    send(res, await this.pages.verifyPage(q.code, q.lang ?? 'en', req.ip));
  }

  /**
   * The link printed in every message: the same page (what the genuine message was about, in customer
   * words); JSON `{ genuine, channel?, sentAt?, kind? }` only for `Accept: application/json`.
   */
  @Get('verify/:code')
  @Public()
  async verifyLink(
    @Param('code') code: string,
    @Query() q: LangQuery,
    @Req() req: { ip?: string; headers: Record<string, string | undefined> },
    @Res() res: ServerResponse,
  ) {
    if (wantsJson(req.headers.accept)) {
      const r = await this.pages.verifyJson(code, req.ip);
      res.statusCode = r.status;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.end(JSON.stringify(r.body));
      return;
    }
    send(res, await this.pages.verifyPage(code.slice(0, 64), q.lang ?? 'en', req.ip));
  }
}

/** JSON only when the client asks for it before HTML (a browser, or no Accept at all, gets the page). */
function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const json = accept.indexOf('application/json');
  const html = accept.indexOf('text/html');
  return json >= 0 && (html < 0 || json < html);
}

function send(res: ServerResponse, page: Rendered): void {
  sendHtml(res, page.status, page.html);
}
