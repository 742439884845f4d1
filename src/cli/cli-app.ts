import { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';

const CLI_ENV = { CANDOR_ROLE: 'api', LOG_TARGET: 'stderr', LOG_LEVEL: 'warn' };

/**
 * Commands boot the real application (same modules, same config) without HTTP or workers unless they ask
 * for them. Logs go to stderr so a command's stdout is its output alone.
 */
export async function withApp<T>(
  fn: (app: NestExpressApplication) => Promise<T>,
  overrides: Record<string, string> = {},
): Promise<T> {
  // loaded on demand: the whole application's code is what a slim command (withContext) leaves out
  const { createApp } = await import('../bootstrap.js');
  const app = await createApp({
    overrides: { ...CLI_ENV, ...overrides },
    listen: false,
  });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/**
 * A command that needs a few modules boots only those, as a Nest application context (no HTTP): same config,
 * logging and database as the application. `root(overrides)` builds the module with the CLI's environment.
 */
export async function withContext<T>(
  root: (overrides: Record<string, string>) => DynamicModule,
  fn: (ctx: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const ctx = await NestFactory.createApplicationContext(root(CLI_ENV), {
    bufferLogs: true,
    abortOnError: false,
  });
  ctx.useLogger(ctx.get(Logger));
  ctx.flushLogs();
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
