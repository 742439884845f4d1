import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * SQL lives in repositories (issue 14): a module's `*.repository.ts` files hold its statements and hand
 * services camelCase types, so a service reads as the use case it is and a schema change has one place to
 * look. This fails when SQL text or a query call appears anywhere else under src/.
 */
const root = join(__dirname, '..');

/** Where SQL may also live, and why (a path ending in `/` covers the folder). */
const ALLOWED: Record<string, string> = {
  'src/platform/database/': 'the SQL helpers themselves (COPY in/out, ensure-database)',
  'src/platform/state/state-change.ts': 'the one conditional-UPDATE helper every state change goes through',
};

/** A query call, a query builder, or SQL statement text. */
const SQL =
  /\.query(<[^>]*>)?\(|createQueryBuilder|\b(SELECT\s|INSERT\s+INTO|UPDATE\s+[a-z_]+\s+SET|DELETE\s+FROM)\b/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : /\.tsx?$/.test(e.name) && !/\.spec\.tsx?$/.test(e.name)
        ? [relative(root, join(dir, e.name)).split('\\').join('/')]
        : [],
  );
}

const allowed = (file: string) =>
  file.endsWith('.repository.ts') ||
  Object.keys(ALLOWED).some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));

describe('SQL only in repositories', () => {
  it('recognises SQL text and query calls, and not prose', () => {
    expect(SQL.test('await m.query(`SELECT 1`)')).toBe(true);
    expect(SQL.test('this.db.query<{ n: number }>(sql)')).toBe(true);
    expect(SQL.test('m.createQueryBuilder().update(X)')).toBe(true);
    expect(SQL.test('`UPDATE campaigns SET status = $2`')).toBe(true);
    expect(SQL.test('// select the lane whose slot comes first')).toBe(false);
    expect(SQL.test('const queryString = url.search')).toBe(false);
  });

  it('no file under src/ outside a *.repository.ts (and the SQL helpers) holds SQL', () => {
    const files = sourceFiles(join(root, 'src'));
    expect(files.filter((f) => f.endsWith('.repository.ts')).length).toBeGreaterThan(10);
    const offenders = files
      .filter((f) => !allowed(f))
      .filter((f) => SQL.test(readFileSync(join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
