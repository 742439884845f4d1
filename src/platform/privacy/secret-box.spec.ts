import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox('a-test-secrets-key-of-some-length', 'totp');

  it('round-trips and never stores the plain text', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP');
    expect(SecretBox.isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed)).toBe('JBSWY3DPEHPK3PXP');
    expect(box.seal('JBSWY3DPEHPK3PXP')).not.toBe(sealed); // a fresh IV each time
  });

  it('refuses another key, another purpose, or an altered value', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP');
    expect(() => new SecretBox('another-secrets-key-of-some-length', 'totp').open(sealed)).toThrow();
    expect(() => new SecretBox('a-test-secrets-key-of-some-length', 'other').open(sealed)).toThrow();
    const [v, iv, tag, body] = sealed.split('.');
    const flipped = body[0] === 'A' ? 'B' + body.slice(1) : 'A' + body.slice(1);
    expect(() => box.open([v, iv, tag, flipped].join('.'))).toThrow();
    expect(() => box.open('JBSWY3DPEHPK3PXP')).toThrow('not a sealed secret');
  });

  it('needs a real key', () => {
    expect(() => new SecretBox('short', 'totp')).toThrow('at least 16');
  });
});
