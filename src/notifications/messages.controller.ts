import { Body, Controller, Get, HttpException, HttpStatus, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../platform/http/policy.decorators';
import { PreviewTemplateDto } from './dto/campaign.dto';
import { MESSAGE_KINDS } from './message-kinds';
import { isFilled } from './notice-composition';
import { TemplateRegistry } from './templates/template-registry';

/** Message kinds and template previews for staff ("is this message from us?" is in status-page: GET /verify/:code). */
@ApiTags('messages')
@Controller()
export class MessagesController {
  constructor(private readonly templates: TemplateRegistry) {}

  @Get('notifications/templates')
  @Roles('comms', 'supervisor', 'admin')
  kinds() {
    return Object.entries(MESSAGE_KINDS).map(([kind, k]) => ({
      kind,
      channels: k.channels,
      campaign: !!k.campaign,
      // what a campaign's author writes (and the recipient's firstName); links and operator details are Candor's
      variables: Object.keys(k.vars).filter((v) => !isFilled(v)),
      paragraphs: k.paragraphs ?? [],
      filledByCandor: Object.keys(k.vars).filter(isFilled),
      annexII: !!k.annexII,
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
}
