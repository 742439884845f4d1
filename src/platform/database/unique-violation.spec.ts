import { QueryFailedError } from 'typeorm';
import { isUniqueViolation } from './unique-violation';

const pgError = (code: string, constraint?: string) =>
  Object.assign(new Error('duplicate key value violates unique constraint'), { code, constraint });

describe('isUniqueViolation', () => {
  it('recognises 23505 from TypeORM and from pg, of any constraint or of the one asked for', () => {
    const typeorm = new QueryFailedError('INSERT ...', [], pgError('23505', 'offers_keyword_key'));
    expect(isUniqueViolation(typeorm)).toBe(true);
    expect(isUniqueViolation(typeorm, 'offers_keyword_key')).toBe(true);
    expect(isUniqueViolation(typeorm, 'offers_pkey')).toBe(false);
    expect(isUniqueViolation(pgError('23505', 'analysis_runs_run_key_key'))).toBe(true);
  });

  it('is false for other errors', () => {
    expect(isUniqueViolation(new QueryFailedError('q', [], pgError('23503', 'fk')))).toBe(false);
    expect(isUniqueViolation(new Error('boom'))).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
    expect(isUniqueViolation('23505')).toBe(false);
  });
});
