import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { ServerResponse } from 'node:http';
import type { Actor } from '../platform/http/actor';
import { CurrentActor, CurrentPrincipal, CustomerOnly, Public } from '../platform/http/policy.decorators';
import { FORM_COOKIE, readCookie } from '../identity/customer-cookie';
import type { Principal } from '../platform/http/principal';
import { LangQuery } from '../status-page/dto/status-page.dto';
import { AccountPagesService, Page, WebCustomer } from './account-pages.service';
import {
  ChooseForm,
  EmailCodeForm,
  NotMeForm,
  NumberChangeStartForm,
  OffersForm,
  PageForm,
  SignInCodeForm,
  SignInNumberForm,
} from './dto/account.dto';
import { NumberChangePagesService } from './number-change-pages.service';

/**
 * My account and "Not you?": server-rendered pages, no JavaScript. Signed-in routes are @CustomerOnly and
 * reached with the cookie session (AuthGuard: idle expiry, and a form token on every POST); the sign-in
 * and "Not you?" forms are public and bound to a form cookie instead. HTTP only: the services decide.
 */
@ApiExcludeController()
@Controller()
export class AccountController {
  constructor(
    private readonly pages: AccountPagesService,
    private readonly numberChange: NumberChangePagesService,
  ) {}

  @Get('account/sign-in')
  @Public()
  signIn(@Query() q: LangQuery, @Req() req: any, @Res() res: ServerResponse) {
    send(res, this.pages.signInPage(q.lang ?? 'en', readCookie(req, FORM_COOKIE)));
  }

  @Post('account/sign-in')
  @Public()
  @HttpCode(200)
  async requestCode(
    @Body() f: SignInNumberForm,
    @CurrentActor() a: Actor,
    @Req() req: any,
    @Res() res: ServerResponse,
  ) {
    send(res, await this.pages.requestCode(f, readCookie(req, FORM_COOKIE), a));
  }

  @Post('account/sign-in/code')
  @Public()
  @HttpCode(200)
  async checkCode(
    @Body() f: SignInCodeForm,
    @CurrentActor() a: Actor,
    @Req() req: any,
    @Res() res: ServerResponse,
  ) {
    send(res, await this.pages.checkCode(f, readCookie(req, FORM_COOKIE), a));
  }

  @Post('account/sign-out')
  @CustomerOnly()
  @HttpCode(200)
  async signOut(
    @Body() f: PageForm,
    @CurrentPrincipal() p: Principal,
    @Req() req: any,
    @Res() res: ServerResponse,
  ) {
    send(res, await this.pages.signOut(web(p), f.locale ?? 'en', readCookie(req, FORM_COOKIE)));
  }

  @Get('account')
  @CustomerOnly()
  async overview(@Query() q: LangQuery, @CurrentPrincipal() p: Principal, @Res() res: ServerResponse) {
    send(res, await this.pages.overview(web(p), q.lang ?? 'en'));
  }

  @Get('account/messages')
  @CustomerOnly()
  async messages(@Query() q: LangQuery, @CurrentPrincipal() p: Principal, @Res() res: ServerResponse) {
    send(res, await this.pages.messages(web(p), q.lang ?? 'en'));
  }

  @Get('account/offers')
  @CustomerOnly()
  async offers(@Query() q: LangQuery, @CurrentPrincipal() p: Principal, @Res() res: ServerResponse) {
    send(res, await this.pages.offersPage(web(p), q.lang ?? 'en'));
  }

  @Post('account/offers/:id/claim')
  @CustomerOnly()
  @HttpCode(200)
  async claim(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() f: PageForm,
    @CurrentPrincipal() p: Principal,
    @CurrentActor() a: Actor,
    @Res() res: ServerResponse,
  ) {
    send(res, await this.pages.claim(web(p), id, f.locale ?? 'en', a));
  }

  @Get('account/number-change')
  @CustomerOnly()
  async numberChangePage(
    @Query() q: LangQuery,
    @CurrentPrincipal() p: Principal,
    @Res() res: ServerResponse,
  ) {
    send(res, await this.numberChange.page(web(p), q.lang ?? 'en'));
  }

  @Post('account/number-change')
  @CustomerOnly()
  @HttpCode(200)
  async startNumberChange(
    @Body() f: NumberChangeStartForm,
    @CurrentPrincipal() p: Principal,
    @CurrentActor() a: Actor,
    @Res() res: ServerResponse,
  ) {
    send(res, await this.numberChange.start(web(p), f, a));
  }

  @Post('account/number-change/:id/confirm-email')
  @CustomerOnly()
  @HttpCode(200)
  async confirmEmail(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() f: EmailCodeForm,
    @CurrentPrincipal() p: Principal,
    @CurrentActor() a: Actor,
    @Res() res: ServerResponse,
  ) {
    send(res, await this.numberChange.confirmEmail(web(p), id, f.code, f.locale ?? 'en', a));
  }

  @Post('account/number-change/:id/offers')
  @CustomerOnly()
  @HttpCode(200)
  async offerNumbers(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() f: OffersForm,
    @CurrentPrincipal() p: Principal,
    @CurrentActor() a: Actor,
    @Res() res: ServerResponse,
  ) {
    send(res, await this.numberChange.offers(web(p), id, !!f.similar, f.locale ?? 'en', a));
  }

  @Post('account/number-change/:id/choose')
  @CustomerOnly()
  @HttpCode(200)
  async choose(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() f: ChooseForm,
    @CurrentPrincipal() p: Principal,
    @CurrentActor() a: Actor,
    @Res() res: ServerResponse,
  ) {
    send(res, await this.numberChange.choose(web(p), id, f.msisdn, f.locale ?? 'en', a));
  }

  @Post('account/number-change/:id/cancel')
  @CustomerOnly()
  @HttpCode(200)
  async cancel(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() f: PageForm,
    @CurrentPrincipal() p: Principal,
    @CurrentActor() a: Actor,
    @Res() res: ServerResponse,
  ) {
    send(res, await this.numberChange.cancel(web(p), id, f.locale ?? 'en', a));
  }

  @Get('account/updates')
  @CustomerOnly()
  async updates(@Query() q: LangQuery, @CurrentPrincipal() p: Principal, @Res() res: ServerResponse) {
    send(res, await this.pages.updates(web(p), q.lang ?? 'en'));
  }

  @Post('account/updates/:id/unsubscribe')
  @CustomerOnly()
  @HttpCode(200)
  async unsubscribe(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() f: PageForm,
    @CurrentPrincipal() p: Principal,
    @Res() res: ServerResponse,
  ) {
    send(res, await this.pages.unsubscribe(web(p), id, f.locale ?? 'en'));
  }

  @Get('not-me')
  @Public()
  notMePage(@Query() q: LangQuery, @Req() req: any, @Res() res: ServerResponse) {
    send(res, this.numberChange.notMePage(q.lang ?? 'en', readCookie(req, FORM_COOKIE)));
  }

  @Post('not-me')
  @Public()
  @HttpCode(200)
  async notMe(@Body() f: NotMeForm, @CurrentActor() a: Actor, @Req() req: any, @Res() res: ServerResponse) {
    send(res, await this.numberChange.notMe(f, readCookie(req, FORM_COOKIE), a));
  }
}

/** @CustomerOnly guarantees a customer principal; this narrows the type. */
function web(p: Principal): WebCustomer {
  if (p.type !== 'customer') throw new Error('customer principal expected');
  return { subscriberId: p.subscriberId, sessionId: p.sessionId };
}

function send(res: ServerResponse, page: Page): void {
  res.setHeader('Cache-Control', 'no-store');
  if (page.cookies?.length) res.setHeader('Set-Cookie', page.cookies);
  res.statusCode = page.status;
  if (page.redirect) {
    res.setHeader('Location', page.redirect);
    res.end();
    return;
  }
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(page.html);
}
