import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IncidentsService } from '../incidents/incidents.service';
import { TemplateRegistry } from '../notifications/templates/template-registry';
import { AppConfig } from '../platform/config';
import { LOCALES } from '../platform/locales';
import { Roles } from '../platform/http/policy.decorators';
import {
  LocalePreviewDto,
  SubscriberPreviewDto,
  SubscriberPreviewParams,
} from './dto/subscriber-preview.dto';
import { StatusPageRenderer } from './status-renderer';
import { statusUpdateVars } from './status-update-message';

const KIND = 'status-update';

/**
 * What an update's subscribers will get, as its author types: the real `status-update` templates rendered
 * with the vars the fan-out uses (status-update-message.ts), SMS encoding and segments included. Saves nothing.
 */
@ApiTags('incidents')
@ApiBearerAuth()
@Controller('incidents')
export class SubscriberPreviewController {
  constructor(
    private readonly incidents: IncidentsService,
    private readonly templates: TemplateRegistry,
    private readonly renderer: StatusPageRenderer,
    private readonly config: AppConfig,
  ) {}

  @Post(':id/subscriber-preview')
  @Roles('comms', 'supervisor', 'admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Preview the SMS and email subscribers get for an update being drafted (en and cy)',
  })
  @ApiOkResponse({ type: [LocalePreviewDto] })
  async preview(
    @Param() p: SubscriberPreviewParams,
    @Body() dto: SubscriberPreviewDto,
  ): Promise<LocalePreviewDto[]> {
    const incident = await this.incidents.get(p.id);
    const update = {
      ...dto,
      bodyCy: dto.bodyCy || null,
      correctsId: dto.correctsId ?? null,
      nextUpdateBy: dto.nextUpdateBy ? new Date(dto.nextUpdateBy) : null,
    };
    // the unsubscribe link is per subscription: the kind's sample stands in for it
    const { unsubscribeUrl } = this.templates.sampleVars(KIND);
    return LOCALES.map((locale) => {
      const vars = {
        ...this.templates.sampleVars(KIND),
        ...statusUpdateVars(
          incident,
          update,
          locale,
          this.renderer.strings[locale].status[dto.incidentStatus],
          this.config.http.publicBaseUrl,
        ),
        unsubscribeUrl,
      };
      const sms = this.templates.render(KIND, locale, 'sms', vars);
      const email = this.templates.render(KIND, locale, 'email', vars);
      return {
        locale,
        sms: { text: sms.text, ...sms.sms! },
        email: { subject: email.subject ?? '', text: email.text },
        issues: [...this.templates.contentIssues(sms), ...this.templates.contentIssues(email)],
      };
    });
  }
}
