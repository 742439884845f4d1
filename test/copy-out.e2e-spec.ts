import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { copyCsvOut, csvExport } from '../src/platform/database/copy-out';
import { mask, maskEmail } from '../src/platform/privacy';
import { createTestDatabase } from './helpers/db';

function sink(): Writable & { text: () => string } {
  const parts: Buffer[] = [];
  const w = new Writable({
    write(chunk, _enc, done) {
      parts.push(chunk);
      done();
    },
  }) as Writable & { text: () => string };
  w.text = () => Buffer.concat(parts).toString('utf8');
  return w;
}

// Every CSV export goes through copyCsvOut: COPY out, masking by column, and cells made inert for spreadsheets.
describe('copyCsvOut', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource({ type: 'postgres', url: db.url }).initialize();
    await ds.query(
      `CREATE TABLE export_t (i int NOT NULL, channel text, account text, address text, amount int)`,
    );
    await ds.query(
      `INSERT INTO export_t VALUES
         (1, 'sms', '=HYPERLINK("http://evil.example","x")', '+447911123456', -500),
         (2, 'email', '@SUM(A1:A9)', 'alice@example.com', 250),
         (3, 'sms', E'\\tcmd', '07911 123457', NULL),
         (4, 'email', 'ACC-4, "the quoted one"', 'bob@mail.example.org', 0)`,
    );
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('escapes formula cells, keeps numbers, and masks by column with the shared maskers', async () => {
    const out = sink();
    await copyCsvOut(
      ds,
      `SELECT i, account, address, amount FROM export_t WHERE i <= $1 ORDER BY i`,
      [4],
      out,
      {
        address: (v, row) => (row.i === '2' || row.i === '4' ? maskEmail(v) : mask(v)),
      },
    );
    expect(out.text().split('\n')).toEqual([
      'i,account,address,amount',
      `1,"'=HYPERLINK(""http://evil.example"",""x"")",'${mask('+447911123456')},-500`,
      `2,'@SUM(A1:A9),${maskEmail('alice@example.com')},250`,
      `3,'\tcmd,'${mask('07911 123457')},`,
      `4,"ACC-4, ""the quoted one""",${maskEmail('bob@mail.example.org')},0`,
      '',
    ]);
    expect(out.text()).not.toMatch(/7911123456|alice@example/);
  });

  it('takes parameters as quoted literals, never as SQL text', async () => {
    const out = sink();
    await copyCsvOut(ds, `SELECT i FROM export_t WHERE account = $1`, [`x' OR '1'='1`], out);
    expect(out.text()).toBe('i\n');
  });

  it('hands a stream to the HTTP layer that ends with the database error when the query fails', async () => {
    const stream = csvExport(ds, `SELECT no_such_column FROM export_t`, []);
    const read = async () => {
      for await (const _ of stream) void _;
    };
    await expect(read()).rejects.toThrow(/no_such_column/);
  });
});
