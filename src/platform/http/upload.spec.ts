import { PayloadTooLargeException } from '@nestjs/common';
import { Readable } from 'node:stream';
import { BoundedBody } from './upload';

async function drain(chunks: string[], limits = { maxBytes: 100, maxLineBytes: 10 }) {
  const out: string[] = [];
  for await (const c of new BoundedBody(Readable.from(chunks.map((s) => Buffer.from(s))), limits))
    out.push(c.toString());
  return out.join('');
}

describe('BoundedBody', () => {
  it('passes bodies within both limits through unchanged, lines split across chunks included', async () => {
    expect(await drain(['abc', 'defg\n12', '34567890\nx'])).toBe('abcdefg\n1234567890\nx');
  });
  it('fails on a line longer than the limit, even when it arrives in pieces', async () => {
    await expect(drain(['abcdef', 'ghijk\n'])).rejects.toThrow(/Line 1 is longer than 10 bytes/);
    await expect(drain(['ok\n', 'abcdefghijkl'])).rejects.toThrow(/Line 2/);
  });
  it('fails with a 413 once the body passes its limit', async () => {
    const err = await drain(Array.from({ length: 30 }, () => 'abcd\n')).catch((e) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeException);
    expect(err.message).toMatch(/larger than 100 bytes/);
  });
});

it('BoundedBody reads nothing until its consumer does (an error cannot fire before anyone listens)', async () => {
  const src = Readable.from([Buffer.from('x'.repeat(50))]);
  const body = new BoundedBody(src, { maxBytes: 10, maxLineBytes: 10 });
  await new Promise((r) => setTimeout(r, 20));
  expect(body.destroyed).toBe(false);
  await expect(
    (async () => {
      for await (const _ of body);
    })(),
  ).rejects.toThrow(/larger than 10 bytes/);
});
