import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';

/** How long requests in flight may finish once the process is closing. */
export const CLOSE_GRACE_MS = 3_000;

/**
 * Closing the HTTP server waits for every open connection. With keep-alive held longer than the clients'
 * (HTTP_KEEP_ALIVE_TIMEOUT_MS, 65 s: see bootstrap `listen`), a connection the server does not count as idle
 * (a client's socket that has not sent its next request, a stream) kept a shutdown waiting that long. So a
 * closing process drops idle connections at once and, after a short grace for requests in flight, the rest.
 */
@Injectable()
export class GracefulClose implements BeforeApplicationShutdown {
  constructor(private readonly host: HttpAdapterHost) {}

  beforeApplicationShutdown(): void {
    const server = this.host.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.listening) return;
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
  }
}
