import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { Secret, TOTP } from 'otpauth';

/**
 * The one form of a staff email used for storage, lookups and rate-limit subjects: NFKC, trimmed and
 * lower-cased, ASCII only. JavaScript's and PostgreSQL's lower() agree on ASCII, so `admİn@…` (a Turkish
 * dotted İ) can no longer get a counter of its own and still match `admin@…` in the database.
 * Returns null for an address with any non-ASCII character (no such staff user can exist).
 */
export function canonicalEmail(email: string): string | null {
  const e = email.normalize('NFKC').trim().toLowerCase();
  return /^[\x21-\x7e]+$/.test(e) ? e : null;
}

const zxcvbn = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });
/** zxcvbn's score (0-4) a staff password must reach: 3 = "safely unguessable: moderate protection from offline attacks". */
export const MIN_PASSWORD_SCORE = 3;

/**
 * Why a staff password is refused, or null: at least 12 characters and hard to guess (zxcvbn-ts with
 * its common-password, names and keyboard-pattern lists; `userInputs` are the user's own email and name).
 */
export function passwordProblem(password: string, userInputs: string[] = []): string | null {
  if (password.length < 12) return 'password must be at least 12 characters';
  const words = userInputs.flatMap((u) => [
    u,
    ...u
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length >= 3),
  ]);
  const r = zxcvbn.check(password, words);
  if (r.score >= MIN_PASSWORD_SCORE) return null;
  const hint = r.feedback.warning ? ` (${r.feedback.warning})` : '';
  return `password is too easy to guess${hint}; use a longer passphrase of unrelated words`;
}

const TOTP_OPTIONS = { issuer: 'Candor', algorithm: 'SHA1', digits: 6, period: 30 } as const;

/** A new random TOTP secret (160 bits, base32) and the otpauth:// URI an authenticator app scans. */
export function newTotpSecret(label: string): { secret: string; uri: string } {
  const totp = new TOTP({ ...TOTP_OPTIONS, label, secret: new Secret({ size: 20 }) });
  return { secret: totp.secret.base32, uri: totp.toString() };
}

/**
 * The 30-second time step `code` belongs to, when it is the TOTP for `at` or one step either side (clock
 * drift); null otherwise. Callers accept a step only once (a later step than the last one accepted).
 */
export function totpStep(secret: string, code: string, at: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = new TOTP({ ...TOTP_OPTIONS, secret: Secret.fromBase32(secret) });
  const delta = totp.validate({ token: code, timestamp: at.getTime(), window: 1 });
  return delta === null ? null : Math.floor(at.getTime() / 1000 / TOTP_OPTIONS.period) + delta;
}

/** True when `code` is the TOTP for `at` or one 30-second step either side (clock drift). */
export function verifyTotp(secret: string, code: string, at: Date): boolean {
  return totpStep(secret, code, at) !== null;
}

/** The TOTP code for `at` (tests and the demo use it to sign in as an enrolled user). */
export function totpCode(secret: string, at: Date): string {
  return new TOTP({ ...TOTP_OPTIONS, secret: Secret.fromBase32(secret) }).generate({
    timestamp: at.getTime(),
  });
}
