import { INestApplication, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './platform/config';
import { ErrorPages } from './platform/http/error-pages';
import { serveConsole } from './platform/http/console-static';
import {
  bodyParserErrors,
  bodyShapeCheck,
  opsGate,
  OpsListener,
  RejectNulPipe,
  requestId,
  roleGate,
  securityHeaders,
} from './platform/http/edge';
import { ErrorFilter } from './platform/http/error.filter';
import { requestTimeout } from './platform/http/request-timeout';
import { UPLOAD_LIMITS_SETTING } from './platform/http/upload';
import { createValidationPipe } from './platform/http/validation';

export interface StartOptions {
  overrides?: Record<string, string | undefined>;
  /** Listen on the configured port (when the role serves HTTP). Tests pass false and use supertest. */
  listen?: boolean;
}

/** Builds the whole application the same way for main.ts, the CLI demo and the e2e tests. */
export async function createApp(opts: StartOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(opts.overrides), {
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false, // registered below, after the request id and with the configured limit
  });
  app.useLogger(app.get(Logger));
  const config = app.get(AppConfig);
  app.set('trust proxy', config.edge.trustProxy);
  app.disable('x-powered-by');
  app.set(UPLOAD_LIMITS_SETTING, {
    maxBytes: config.edge.uploadMaxBytes,
    maxLineBytes: config.edge.uploadMaxLineBytes,
  });
  app.use(requestId());
  app.use(roleGate(config));
  app.use(requestTimeout(config.requestTimeoutMs));
  app.use(securityHeaders());
  app.use(opsGate(config));
  app.useBodyParser('json', { limit: config.edge.jsonLimitBytes });
  app.useBodyParser('urlencoded', { limit: config.edge.jsonLimitBytes, extended: true });
  app.use(bodyParserErrors());
  app.use(bodyShapeCheck());
  app.use(cookieParser());
  serveConsole(app);
  app.useGlobalPipes(new RejectNulPipe(), createValidationPipe());
  app.useGlobalFilters(new ErrorFilter(app.get(ErrorPages, { strict: false })));
  app.enableShutdownHooks();
  setupSwagger(app);
  if (config.privacy.usingDefaultKey) {
    new NestLogger('Config').warn(
      'PSEUDONYM_KEY is the built-in development key; set your own in production',
    );
  }
  if (config.privacy.usingDefaultSecretsKey) {
    new NestLogger('Config').warn('SECRETS_KEY is the built-in development key; set your own in production');
  }
  await app.init();
  if (config.runsApi) await app.get(OpsListener).start(app.getHttpAdapter().getInstance());
  const listening = opts.listen !== false && config.runsApi;
  app.flushLogs(); // listen() would flush the boot-time buffer; a worker never listens
  if (listening)
    // a port taken: nothing this app opened (pools, queues, workers) outlives the failure
    await listen(app, config).catch(async (e: unknown) => {
      await app.close().catch(() => undefined);
      throw e;
    });
  new NestLogger('Lifecycle').log(
    `Candor ready: role=${config.role}${listening ? `, http on ${config.http.host}:${config.http.port}` : ''}`,
  );
  return app;
}

/**
 * Under a burst of Twilio callbacks on a busy event loop, Node's defaults lost requests (ECONNRESET, "other
 * side closed"): the 511-connection accept queue overflowed, and idle keep-alive connections were closed by the
 * server (5 s) just as a late client reused them. A deeper backlog and a keep-alive longer than the clients'.
 */
async function listen(app: NestExpressApplication, config: AppConfig): Promise<void> {
  const server = app.getHttpServer();
  server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  server.headersTimeout = config.http.keepAliveTimeoutMs + 1000; // Node wants it above the keep-alive
  // Nest passes arguments after the port on to server.listen(port, host, backlog).
  const withBacklog = app.listen.bind(app) as unknown as (
    port: number,
    host: string,
    backlog: number,
  ) => Promise<unknown>;
  await withBacklog(config.http.port, config.http.host, config.http.backlog);
}

/** The OpenAPI document: served at /docs, written by `npm run openapi` for the console's generated client. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Candor API')
      .setDescription(
        'Incident-response comms and customer notification. Automation signs in with a bearer token or an ' +
          'API key; the staff console uses a session cookie and sends the X-CSRF-Token header on every write.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
    { operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}` },
  );
}

function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, openApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });
}
