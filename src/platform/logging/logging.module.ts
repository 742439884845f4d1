import { Global, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config';
import { scrubPii } from '../privacy/msisdn';
import { redactQuery, redactUrl } from './redact-url';

/**
 * Every log line passes through scrubPii before it is written, whatever logged it (our code, pino-http's
 * request lines with query strings, library errors): a full MSISDN or email never reaches a log.
 */
export function scrubbingStream(file?: string, target: NodeJS.WriteStream = process.stdout): Writable {
  // A file target is written synchronously: lines are never lost at shutdown (tests read them back).
  const fd = file ? openSync(file, 'a') : undefined;
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = scrubPii(chunk.toString('utf8'));
      if (fd !== undefined) writeSync(fd, text);
      else target.write(text);
      cb();
    },
    final(cb) {
      if (fd !== undefined) closeSync(fd);
      cb();
    },
  });
}

/** One line at shutdown, so operators (and the process test) can see a clean stop. */
@Injectable()
export class LifecycleLogger implements OnApplicationShutdown {
  onApplicationShutdown(signal?: string): void {
    new Logger('Lifecycle').log(`shut down cleanly${signal ? ` after ${signal}` : ''}`);
  }
}

@Global()
@Module({
  providers: [LifecycleLogger],
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        return {
          pinoHttp: [
            {
              level: config.log.level,
              genReqId: (req, res) => {
                // set by the first middleware (platform/http/edge.ts requestId), before the body parsers
                const early = (req as { id?: unknown }).id;
                if (typeof early === 'string') return early;
                const incoming = req.headers['x-request-id'];
                const id =
                  typeof incoming === 'string' && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
                res.setHeader('x-request-id', id);
                return id;
              },
              // query strings carry subscription tokens, emails and numbers: names only (issue 18, F16)
              serializers: {
                req: (req: { url?: string; query?: unknown }) => ({
                  ...req,
                  url: redactUrl(req.url),
                  query: redactQuery(req.query),
                }),
              },
              redact: {
                paths: [
                  'req.headers.authorization',
                  'req.headers.cookie',
                  'req.headers["x-api-key"]',
                  '*.password',
                  '*.code',
                ],
                censor: '[redacted]',
              },
              // Health checks and metrics scrapes would drown the useful lines.
              autoLogging: {
                ignore: (req) => ['/health', '/metrics'].includes((req.url ?? '').split('?')[0]),
              },
            },
            scrubbingStream(
              config.log.file,
              config.log.target === 'stderr' ? process.stderr : process.stdout,
            ),
          ],
        };
      },
    }),
  ],
})
export class LoggingModule {}
