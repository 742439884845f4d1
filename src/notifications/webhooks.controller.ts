import { Body, Controller, ForbiddenException, Header, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../platform/http/policy.decorators';
import { DeliveryCallbacksService } from './delivery-callbacks.service';
import { WebhooksService } from './webhooks.service';

function twiml(text: string | null): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${text ? `<Message>${esc(text)}</Message>` : ''}</Response>`;
}

/** Twilio's webhooks: public routes whose only credential is the request signature (403 without it). */
@ApiExcludeController()
@Controller('webhooks/twilio')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly callbacks: DeliveryCallbacksService,
  ) {}

  /** Verified and recorded, nothing more: a worker applies the statuses in bulk (callbacks off the hot path). */
  @Post('status')
  @Public()
  @HttpCode(204)
  async status(@Req() req: any, @Body() body: Record<string, string>, @Query('m') messageId?: string) {
    if (!this.webhooks.signatureValid(req.headers['x-twilio-signature'], req.originalUrl, body))
      throw new ForbiddenException('invalid Twilio signature');
    await this.callbacks.record(messageId, body, req.headers['i-twilio-idempotency-token']);
  }

  @Post('inbound')
  @Public()
  @HttpCode(200)
  @Header('content-type', 'text/xml')
  async inbound(@Req() req: any, @Body() body: Record<string, string>) {
    if (!this.webhooks.signatureValid(req.headers['x-twilio-signature'], req.originalUrl, body))
      throw new ForbiddenException('invalid Twilio signature');
    return twiml(await this.webhooks.inbound(body));
  }
}
