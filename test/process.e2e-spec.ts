import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase } from './helpers/db';

const MAIN = join(__dirname, '..', 'dist', 'src', 'main.js');

function run(env: Record<string, string>, untilLine?: RegExp, timeoutMs = 20_000) {
  return new Promise<{ code: number | null; signal: string | null; out: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timeout; output so far:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (untilLine && untilLine.test(out)) child.kill('SIGTERM'); // graceful shutdown path
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

describe('the service process', () => {
  it('fails fast with a readable message on bad configuration', async () => {
    const { code, out } = await run({
      PORT: 'eighty',
      CANDOR_ROLE: 'both',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(code).toBe(1);
    expect(out).toContain('Invalid configuration');
    expect(out).toContain('PORT="eighty"');
    expect(out).toContain('CANDOR_ROLE="both"');
    expect(out).not.toMatch(/at \w+ \(/); // no stack trace for a config mistake
  });

  it.each(['api', 'worker'])('starts in the %s role and shuts down gracefully on SIGTERM', async (role) => {
    const db = await createTestDatabase();
    try {
      const port = String(20000 + Math.floor(Math.random() * 20000));
      const { out } = await run(
        {
          CANDOR_ROLE: role,
          PORT: port,
          DATABASE_URL: db.url,
          DATABASE_MIGRATE_ON_START: 'false',
          QUEUE_PREFIX: `tp${Date.now()}`,
          LOG_LEVEL: 'info',
        },
        /Candor ready/,
      );
      expect(out).toContain(`Candor ready: role=${role}`);
      // The API listens; the worker never opens a port.
      if (role === 'api') expect(out).toContain(`http on 0.0.0.0:${port}`);
      else expect(out).not.toContain('http on');
      expect(out).toContain('shut down cleanly after SIGTERM');
    } finally {
      await db.drop();
    }
  });
});
