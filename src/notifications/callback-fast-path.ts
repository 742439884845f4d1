import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { DeliveryCallbacksService } from './delivery-callbacks.service';
import { WebhooksService } from './webhooks.service';

const PATH = '/webhooks/twilio/status';
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The callbacks' hot path: `POST /webhooks/twilio/status` (a form of a few short fields) is answered straight
 * from the HTTP server's request event, before Express, logging and the Nest pipeline, which cost far more than
 * the work itself (a signature check and a group-committed append). A campaign brings two callbacks per SMS;
 * through the whole stack they starved the status page and staff requests. Anything unusual (another method
 * or content type, a body too big) goes the ordinary way, to WebhooksController, the declared route.
 */
@Injectable()
export class CallbackFastPath implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly webhooks: WebhooksService,
    private readonly callbacks: DeliveryCallbacksService,
  ) {}

  onApplicationBootstrap(): void {
    const server: Server | undefined = this.adapterHost.httpAdapter?.getHttpServer();
    if (!server) return;
    const handlers = server.listeners('request') as Array<
      (req: IncomingMessage, res: ServerResponse) => void
    >;
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = req.url ?? '';
      const form = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      const length = Number(req.headers['content-length'] ?? NaN);
      if (
        req.method === 'POST' &&
        form &&
        length <= MAX_BODY_BYTES &&
        (url === PATH || url.startsWith(`${PATH}?`))
      ) {
        void this.handle(req, res, url);
        return;
      }
      for (const h of handlers) h.call(server, req, res);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const signature = req.headers['x-twilio-signature'];
      if (!this.webhooks.signatureValid(typeof signature === 'string' ? signature : undefined, url, params))
        return reply(res, 403, '{"statusCode":403,"error":"Forbidden","message":"invalid Twilio signature"}');
      const messageId = new URL(url, 'http://x').searchParams.get('m') ?? undefined;
      const token = req.headers['i-twilio-idempotency-token'];
      await this.callbacks.record(messageId, params, typeof token === 'string' ? token : undefined);
      reply(res, 204);
    } catch {
      // the database could not take it: Twilio retries a callback that was not answered with 2xx
      reply(res, 503, '{"statusCode":503,"error":"Service Unavailable","message":"try again"}');
    }
  }
}

function reply(res: ServerResponse, status: number, body?: string): void {
  if (res.headersSent) return;
  res.statusCode = status;
  if (body) res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(body);
}
