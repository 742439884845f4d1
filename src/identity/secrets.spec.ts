import { hashPassword, newOtpCode, newToken, tokenKind, verifyPassword } from './secrets';

describe('secrets', () => {
  it('hashes passwords with a salt and verifies them', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).not.toBe(b);
    expect(a.startsWith('scrypt$')).toBe(true);
    await expect(verifyPassword('correct horse battery', a)).resolves.toBe(true);
    await expect(verifyPassword('wrong', a)).resolves.toBe(false);
    await expect(verifyPassword('x', null)).resolves.toBe(false);
    await expect(verifyPassword('x', 'md5$abc')).resolves.toBe(false);
  });

  it('makes prefixed tokens whose kind can be read back', () => {
    const t = newToken('api_key');
    expect(tokenKind(t)).toBe('api_key');
    expect(tokenKind(newToken('customer'))).toBe('customer');
    expect(tokenKind('Bearer nonsense')).toBeNull();
    expect(newToken('session')).not.toBe(newToken('session'));
  });

  it('makes six-digit codes', () => {
    for (let i = 0; i < 200; i++) expect(newOtpCode()).toMatch(/^\d{6}$/);
  });
});
