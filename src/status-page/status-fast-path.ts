import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AppConfig } from '../platform/config';
import { JobMetrics } from '../platform/metrics/metrics.service';
import { StatusPageCache } from './status-cache';
import { StatusPageService } from './status-page.service';

/**
 * The surge path. A cache hit on a public page (GET/HEAD of /status, /status.json, /status/feed.atom or an
 * incident page, already rendered and current) is answered straight from the HTTP server's request event,
 * before Express, logging and the Nest pipeline: those cost ~20x more than the lookup and are what a
 * front-page surge would otherwise pay for. Everything else (a miss, a stale page, a 404, any other URL)
 * goes the ordinary way through StatusPageController, which remains the declared, @Public route.
 */
@Injectable()
export class StatusFastPath implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly cache: StatusPageCache,
    private readonly pages: StatusPageService,
    private readonly metrics: JobMetrics,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const server: Server | undefined = this.adapterHost.httpAdapter?.getHttpServer();
    if (!server || this.config.webhooksOnly) return; // a webhooks process serves no pages
    const hits = this.metrics.counter(
      'candor_status_page_fast_hits_total',
      'Status page requests answered from memory',
    );
    const handlers = server.listeners('request') as Array<
      (req: IncomingMessage, res: ServerResponse) => void
    >;
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === 'GET' || req.method === 'HEAD') {
        const key = StatusPageService.keyOf(req.url ?? '');
        const page = key ? this.cache.peek(key) : undefined;
        if (page) {
          hits.inc();
          this.pages.write(req, res, page, this.cache.stale);
          return;
        }
      }
      for (const h of handlers) h.call(server, req, res);
    });
  }
}
