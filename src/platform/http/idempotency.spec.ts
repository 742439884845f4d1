import { canonicalJson, decideOnExisting, keyProblem, requestHash, STALE_AFTER_SECONDS } from './idempotency';

describe('idempotency keys', () => {
  it('hashes bodies independently of key order, and tells different bodies or operations apart', () => {
    expect(requestHash('op', { a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      requestHash('op', { b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
    expect(requestHash('op', { a: 1 })).not.toBe(requestHash('op', { a: 2 }));
    expect(requestHash('op', { a: [1, 2] })).not.toBe(requestHash('op', { a: [2, 1] }));
    expect(requestHash('op1', { a: 1 })).not.toBe(requestHash('op2', { a: 1 }));
  });

  it('writes canonical JSON and ignores undefined fields', () => {
    expect(canonicalJson({ z: 1, a: undefined, m: null })).toBe('{"m":null,"z":1}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('decides replay, mismatch, in progress and take-over', () => {
    const h = requestHash('op', { a: 1 });
    expect(decideOnExisting({ requestHash: h, status: 'done', ageSeconds: 1 }, h)).toBe('replay');
    expect(decideOnExisting({ requestHash: h, status: 'done', ageSeconds: 1 }, 'other')).toBe('mismatch');
    expect(decideOnExisting({ requestHash: h, status: 'running', ageSeconds: 1 }, 'other')).toBe('mismatch');
    expect(decideOnExisting({ requestHash: h, status: 'running', ageSeconds: 1 }, h)).toBe('in_progress');
    expect(decideOnExisting({ requestHash: h, status: 'running', ageSeconds: STALE_AFTER_SECONDS }, h)).toBe(
      'take_over',
    );
  });

  it('validates the header', () => {
    expect(keyProblem(undefined)).toMatch(/required/);
    expect(keyProblem('')).toMatch(/required/);
    expect(keyProblem('has space')).toMatch(/visible ASCII/);
    expect(keyProblem('x'.repeat(256))).toMatch(/1-255/);
    expect(keyProblem('7f1c2b8e-retry-1')).toBeNull();
  });
});
