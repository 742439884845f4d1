import { Body, Controller, Get, HttpException, HttpStatus, Param, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public, Roles } from '../platform/http/policy.decorators';
import { RateLimiter } from '../platform/redis/redis.module';
import { Pseudonymiser } from '../platform/privacy';
import { PreviewTemplateDto } from './dto/campaign.dto';
import { MESSAGE_KINDS } from './message-kinds';
import { NotificationsService } from './notifications.service';
import { TemplateRegistry } from './templates/template-registry';

/** "Is this message really from us?" as JSON (the page is GET /verify in status-page) and template previews for staff. */
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
