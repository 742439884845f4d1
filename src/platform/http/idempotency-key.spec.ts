import { ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { InvalidInput } from './domain-error';
import { IdempotencyKey } from './idempotency-key';

/** The factory behind a param decorator, as Nest calls it (the standard way to test one). */
function factoryOf(decorator: (...args: any[]) => ParameterDecorator) {
  class Probe {
    handler(_key: unknown) {}
  }
  decorator()(Probe.prototype, 'handler', 0);
  const meta = Reflect.getMetadata(ROUTE_ARGS_METADATA, Probe, 'handler');
  return (Object.values(meta)[0] as any).factory as (data: unknown, ctx: ExecutionContext) => unknown;
}

const ctx = (headers: Record<string, string>) =>
  ({ switchToHttp: () => ({ getRequest: () => ({ headers }) }) }) as unknown as ExecutionContext;

describe('@IdempotencyKey()', () => {
  const factory = factoryOf(IdempotencyKey);

  it('hands over a valid key', () => {
    expect(factory(undefined, ctx({ 'idempotency-key': 'claim-7f3a' }))).toBe('claim-7f3a');
  });

  it('is undefined without the header, unless required', () => {
    expect(factory(undefined, ctx({}))).toBeUndefined();
    expect(() => factory({ required: true }, ctx({}))).toThrow(/Idempotency-Key header is required/);
  });

  it('refuses a malformed key as a 400 naming the field', () => {
    let err: unknown;
    try {
      factory(undefined, ctx({ 'idempotency-key': 'has space' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInput);
    expect(err).toMatchObject({ status: 400, details: [{ field: 'Idempotency-Key' }] });
    expect(() => factory(undefined, ctx({ 'idempotency-key': 'x'.repeat(256) }))).toThrow(
      /1-255 visible ASCII/,
    );
  });
});
