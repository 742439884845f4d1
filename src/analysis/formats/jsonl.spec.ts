import { loadConfig } from '../../platform/config';
import { createJsonlParser } from './jsonl';
import { SKIP } from './log-record';

const p = createJsonlParser(new Set(loadConfig({}).analysis.headerAllowlist));
const nginx = (o: Record<string, unknown> = {}) =>
  JSON.stringify({
    time: '2025-11-24T11:00:00+01:00',
    method: 'GET',
    host: 'shop.example.com',
    upstream_cache_status: 'MISS',
    upstream_addr: '10.0.0.5:443',
    http_x_msisdn: '447911123456',
    ...o,
  });

describe('JSONL parser', () => {
  it('reads nginx escape=json lines (http_<header> keys, ISO time with offset)', () => {
    expect(p.parse(nginx())).toEqual({
      time: Date.UTC(2025, 10, 24, 10, 0, 0),
      method: 'GET',
      host: 'shop.example.com',
      outcome: 'forwarded',
      headers: [{ name: 'x-msisdn', value: '447911123456' }],
    });
  });

  it('reads Envoy lines (request_headers object, epoch seconds)', () => {
    const line = JSON.stringify({
      start_time: 1764000000.25,
      method: 'POST',
      host: 'api.example.com:8443',
      upstream_addr: '10.0.0.7:80',
      request_headers: { 'x-up-calling-line-id': '07911 123456', 'user-agent': 'curl' },
    });
    expect(p.parse(line)).toEqual({
      time: 1764000000250,
      method: 'POST',
      host: 'api.example.com',
      outcome: 'forwarded',
      headers: [{ name: 'x-up-calling-line-id', value: '07911 123456' }],
    });
  });

  it('accepts epoch seconds as a string and +0000 offsets', () => {
    expect(p.parse(nginx({ time: '1764000000.5' }))).toMatchObject({ time: 1764000000500 });
    expect(p.parse(nginx({ time: '2025-11-24T10:00:00+0000' }))).toMatchObject({
      time: Date.UTC(2025, 10, 24, 10),
    });
  });

  it('reads cache hits and requests that never went upstream', () => {
    expect(p.parse(nginx({ upstream_cache_status: 'HIT' }))).toMatchObject({ outcome: 'cache_hit' });
    expect(p.parse(nginx({ upstream_addr: '-' }))).toMatchObject({ outcome: 'not_forwarded' });
    expect(p.parse(nginx({ upstream_addr: undefined }))).toMatchObject({ outcome: 'not_forwarded' });
  });

  it('refuses truncated JSON, arrays, times without offset and garbage; skips blank lines', () => {
    expect(p.parse(nginx().slice(0, 40))).toBeNull();
    expect(p.parse('[1,2]')).toBeNull();
    expect(p.parse(nginx({ time: '2025-11-24T10:00:00' }))).toBeNull();
    expect(p.parse(nginx({ time: undefined }))).toBeNull();
    expect(p.parse('\u00ff\u00fe')).toBeNull();
    expect(p.parse('   ')).toBe(SKIP);
  });
});
