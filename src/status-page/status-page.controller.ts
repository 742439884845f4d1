import {
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiExcludeEndpoint, ApiTags } from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Public } from '../platform/http/policy.decorators';
import { IdParam, LangQuery, SubscribeForm, TokenForm, TokenQuery } from './dto/status-page.dto';
import { sendHtml, StatusPageService } from './status-page.service';

/** Public pages: HTML (en/cy), JSON and Atom, all served from the in-memory cache with ETag/304. */
@ApiTags('status page')
@Controller()
export class StatusPageController {
  constructor(private readonly pages: StatusPageService) {}

  @Get('status')
  @Public()
  async index(
    @Query() q: LangQuery,
    @Req() req: IncomingMessage & { ip?: string },
    @Res() res: ServerResponse,
  ) {
    await this.pages.sendCached(req, res, `index:${q.lang ?? 'en'}`);
  }

  @Get('status.json')
  @Public()
  async json(@Req() req: IncomingMessage & { ip?: string }, @Res() res: ServerResponse) {
    await this.pages.sendCached(req, res, 'json');
  }

  @Get('status/feed.atom')
  @Public()
  async atom(@Req() req: IncomingMessage & { ip?: string }, @Res() res: ServerResponse) {
    await this.pages.sendCached(req, res, 'atom');
  }

  @Get('status/incidents/:id')
  @Public()
  async incident(
    @Param() p: IdParam,
    @Query() q: LangQuery,
    @Req() req: IncomingMessage & { ip?: string },
    @Res() res: ServerResponse,
  ) {
    await this.pages.sendCached(req, res, `incident:${p.id}:${q.lang ?? 'en'}`);
  }

  @Post('status/incidents/:id/subscribe')
  @Public()
  @ApiExcludeEndpoint()
  async subscribe(
    @Param() p: IdParam,
    @Body() f: SubscribeForm,
    @Req() req: IncomingMessage & { ip?: string },
    @Res() res: ServerResponse,
  ) {
    const page = await this.pages.subscribe(p.id, f, req.ip ?? 'unknown');
    sendHtml(res, page.status, page.html);
  }

  /** The link in the confirmation email: a page with a button (mail scanners follow links; they do not post). */
  @Get('status/subscriptions/:id/confirm')
  @Public()
  @ApiExcludeEndpoint()
  confirmPage(@Param() p: IdParam, @Query() q: TokenQuery, @Res() res: ServerResponse) {
    sendHtml(res, 200, this.pages.confirmPage(p.id, q.token ?? '', q.lang ?? 'en'));
  }

  @Post('status/subscriptions/:id/confirm')
  @Public()
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async confirm(@Param() p: IdParam, @Body() f: TokenForm, @Res() res: ServerResponse) {
    const page = await this.pages.confirm(p.id, f);
    sendHtml(res, page.status, page.html);
  }

  @Get('status/subscriptions/:id/unsubscribe')
  @Public()
  @ApiExcludeEndpoint()
  unsubscribePage(@Param() p: IdParam, @Query() q: TokenQuery, @Res() res: ServerResponse) {
    sendHtml(res, 200, this.pages.unsubscribePage(p.id, q.token ?? '', q.lang ?? 'en'));
  }

  /** The form's button, and RFC 8058 one-click (`List-Unsubscribe=One-Click`, token in the URL). */
  @Post('status/subscriptions/:id/unsubscribe')
  @Public()
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async unsubscribe(
    @Param() p: IdParam,
    @Query() q: TokenQuery,
    @Body() f: TokenForm,
    @Res() res: ServerResponse,
  ) {
    const page = await this.pages.unsubscribe(p.id, f.token ?? q.token ?? '', f.locale ?? q.lang ?? 'en');
    if (!page) throw new NotFoundException('Unknown or invalid unsubscribe link');
    sendHtml(res, 200, page);
  }
}
