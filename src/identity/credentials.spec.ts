import { canonicalEmail, newTotpSecret, passwordProblem, totpCode, verifyTotp } from './credentials';

describe('canonicalEmail', () => {
  it('lower-cases and trims ASCII addresses', () => {
    expect(canonicalEmail('  Admin@Candor.TEST ')).toBe('admin@candor.test');
  });
  it('refuses a Turkish dotted İ (JS and PostgreSQL lower-case it differently)', () => {
    expect(canonicalEmail('admİn@candor.test')).toBeNull();
    expect(canonicalEmail('admın@candor.test')).toBeNull();
  });
  it('folds full-width letters to ASCII with NFKC', () => {
    expect(canonicalEmail('ａdmin@candor.test')).toBe('admin@candor.test');
  });
});

describe('passwordProblem', () => {
  it.each(['aaaaaaaaaaaa', 'Password1234', 'P@ssw0rd2024!', 'qwertyuiop12'])('refuses %s', (p) => {
    expect(passwordProblem(p)).toMatch(/too easy to guess/);
  });
  it('refuses short passwords', () => {
    expect(passwordProblem('Xk9#pL2')).toMatch(/at least 12/);
  });
  it('refuses a password made of the user’s own email', () => {
    expect(passwordProblem('jane.doe@candor.test')).toBeNull();
    expect(passwordProblem('jane.doe@candor.test', ['jane.doe@candor.test', 'Jane Doe'])).not.toBeNull();
  });
  it('accepts a long passphrase', () => {
    expect(passwordProblem('kettle-orbit-maple-42')).toBeNull();
  });
});

describe('TOTP', () => {
  const at = new Date('2026-12-03T10:00:00Z');
  it('accepts the current code and one step either side, nothing further', () => {
    const { secret, uri } = newTotpSecret('a@candor.test');
    expect(uri).toMatch(/^otpauth:\/\/totp\/Candor:a%40candor\.test\?/);
    expect(verifyTotp(secret, totpCode(secret, at), at)).toBe(true);
    expect(verifyTotp(secret, totpCode(secret, new Date(at.getTime() - 30_000)), at)).toBe(true);
    expect(verifyTotp(secret, totpCode(secret, new Date(at.getTime() - 120_000)), at)).toBe(false);
    expect(verifyTotp(secret, 'abcdef', at)).toBe(false);
  });
});
