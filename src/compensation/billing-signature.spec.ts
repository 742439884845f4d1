import { signPayload, verifySignature } from './billing-signature';

describe('billing webhook signatures', () => {
  const body = '{"event":"credit.issued","amountPence":500}';
  const now = 1_764_400_000;

  it('verifies its own signature', () => {
    expect(verifySignature('s3cret', body, signPayload('s3cret', body, now), now)).toBe(true);
  });

  it('refuses a wrong secret, a changed body, a missing or garbled header and an old timestamp', () => {
    const sig = signPayload('s3cret', body, now);
    expect(verifySignature('other', body, sig, now)).toBe(false);
    expect(verifySignature('s3cret', body.replace('500', '5000'), sig, now)).toBe(false);
    expect(verifySignature('s3cret', body, undefined, now)).toBe(false);
    expect(verifySignature('s3cret', body, 't=abc,v1=zz', now)).toBe(false);
    expect(verifySignature('s3cret', body, sig, now + 301)).toBe(false);
    expect(verifySignature('s3cret', body, sig, now + 299)).toBe(true);
  });
});
