import { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../bootstrap';

/**
 * Commands boot the real application (same modules, same config) without HTTP or workers unless they ask
 * for them. Logs go to stderr so a command's stdout is its output alone.
 */
export async function withApp<T>(
  fn: (app: NestExpressApplication) => Promise<T>,
  overrides: Record<string, string> = {},
): Promise<T> {
  const app = await createApp({
    overrides: { CANDOR_ROLE: 'api', LOG_TARGET: 'stderr', LOG_LEVEL: 'warn', ...overrides },
    listen: false,
  });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
