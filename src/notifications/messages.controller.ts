import {
  Body,
  Controller,
  Get,
  Header,
  HttpException,
  HttpStatus,
  Param,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public, Roles } from '../identity/auth.decorators';
import { RateLimiter } from '../platform/redis/redis.module';
import { Pseudonymiser } from '../platform/privacy';
import { PreviewTemplateDto } from './dto/campaign.dto';
import { MESSAGE_KINDS } from './message-kinds';
import { NotificationsService } from './notifications.service';
import { TemplateRegistry } from './templates/template-registry';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** "Is this message really from us?" and template previews for staff. */
@ApiTags('messages')
@Controller()
export class MessagesController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly templates: TemplateRegistry,
    private readonly limiter: RateLimiter,
    private readonly pseudonymiser: Pseudonymiser,
  ) {}

  /** JSON answer for a reference code; never reveals the recipient. Throttled per IP (codes are not guessable, and this keeps it so). */
  @Get('verify/:code')
  @Public()
  async verify(@Param('code') code: string, @Req() req: any) {
    await this.throttle(req.ip);
    return this.notifications.verify(code);
  }

  /** The same as a page that works without JavaScript (the status page's lookup form submits here). */
  @Get('verify')
  @Public()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async verifyPage(@Req() req: any, @Query('code') code?: string) {
    let answer = '';
    if (code) {
      await this.throttle(req.ip);
      const r = await this.notifications.verify(code);
      answer = r.genuine
        ? `<p class="ok" role="status"><strong>Genuine.</strong> We sent a message with code ${esc(code.toUpperCase())} by ${r.channel === 'sms' ? 'text message' : 'email'} on ${r.sentAt ? new Date(r.sentAt).toUTCString() : 'record'}.</p>`
        : `<p class="bad" role="alert"><strong>Not recognised.</strong> We have no message with code ${esc(code)}. Do not click its links or reply; forward it to 7726 (free) and delete it.</p>`;
    }
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Check a message is from us</title><style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#111}
.ok{background:#e6f4ea;padding:1rem;border-left:6px solid #137333}.bad{background:#fce8e6;padding:1rem;border-left:6px solid #a50e0e}
input,button{font-size:1.1rem;padding:.5rem}</style></head><body><main><h1>Check a message is from us</h1>
<p>Every text and email we send about this incident carries a reference code. Enter it to check the message is genuine.
We will never ask for your password, PIN or payment details.</p>
<form method="get" action="/verify"><label for="code">Reference code</label><br><input id="code" name="code" autocomplete="off" value="${esc(code ?? '')}" required>
<button type="submit">Check</button></form>${answer}</main></body></html>`;
  }

  @Get('notifications/templates')
  @Roles('comms', 'supervisor', 'admin')
  kinds() {
    return Object.entries(MESSAGE_KINDS).map(([kind, k]) => ({
      kind,
      channels: k.channels,
      campaign: !!k.campaign,
      variables: Object.keys(k.vars),
    }));
  }

  /** Rendered text, SMS encoding and segments, and any rule the rendering breaks. */
  @Post('notifications/templates/preview')
  @Roles('comms', 'supervisor', 'admin')
  preview(@Body() dto: PreviewTemplateDto) {
    if (!MESSAGE_KINDS[dto.kind]) throw new HttpException(`unknown kind "${dto.kind}"`, HttpStatus.NOT_FOUND);
    let r;
    try {
      r = this.templates.render(
        dto.kind,
        dto.locale,
        dto.channel,
        this.templates.sampleVars(dto.kind, dto.vars),
      );
    } catch (e: any) {
      throw new HttpException(`cannot render: ${e.message}`, HttpStatus.BAD_REQUEST);
    }
    return { ...r, issues: this.templates.contentIssues(r) };
  }

  private async throttle(ip: string | undefined) {
    if (!(await this.limiter.hit('verify-ip', this.pseudonymiser.pseudonym(ip ?? '?', 'ip'), 60, 60)))
      throw new HttpException('Too many lookups; try again in a minute', HttpStatus.TOO_MANY_REQUESTS);
  }
}
