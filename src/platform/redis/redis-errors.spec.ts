import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { RedisErrorLog } from './redis-errors';

describe('RedisErrorLog', () => {
  const setup = () => {
    let now = 1_000_000;
    const lines: string[] = [];
    const logger = { error: (m: string) => lines.push(m) } as unknown as Logger;
    return { log: new RedisErrorLog(logger, () => now), lines, advance: (ms: number) => (now += ms) };
  };

  it('logs one line per source a minute, the first line of the message only', () => {
    const { log, lines, advance } = setup();
    const err = new Error('connect ECONNREFUSED 127.0.0.1:6379\n    at TCPConnectWrap.afterConnect');
    expect(log.report('redis', err)).toBe(true);
    expect(log.report('redis', err)).toBe(false);
    expect(log.report('queue incidents', err)).toBe(true);
    advance(59_000);
    expect(log.report('redis', err)).toBe(false);
    advance(1_000);
    expect(log.report('redis', err)).toBe(true);
    expect(lines).toEqual([
      'redis: connect ECONNREFUSED 127.0.0.1:6379',
      'queue incidents: connect ECONNREFUSED 127.0.0.1:6379',
      'redis: connect ECONNREFUSED 127.0.0.1:6379',
    ]);
  });

  it('masks a phone number in an error message', () => {
    const { log, lines } = setup();
    const emitter = new EventEmitter();
    log.watch('redis', emitter);
    emitter.emit('error', new Error('ERR wrong key candor:rl:otp:+447911123456'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('7911123456');
  });
});
