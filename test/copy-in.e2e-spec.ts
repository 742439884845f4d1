import { DataSource } from 'typeorm';
import { copyIn } from '../src/platform/database/copy-in';
import { copyText } from '../src/platform/database/copy-text';
import { createTestDatabase } from './helpers/db';

// copyIn packs rows into 64 KiB writes: rows must arrive whole and in order across every batch boundary,
// multi-byte characters and a row longer than a batch included.
describe('copyIn', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource({ type: 'postgres', url: db.url }).initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('stores every row as given, across batches, with multi-byte text and an over-long row', async () => {
    const rows: [number, string][] = [];
    for (let i = 0; i < 5000; i++) rows.push([i, i % 7 ? `host-${i}.example` : `café ☕ ${i} "q" \\ {x,y}`]);
    rows.splice(2500, 0, [5000, 'L'.repeat(70_000)]); // bigger than a batch by itself
    await ds.query(`CREATE TABLE copy_in_t (i int NOT NULL, v text NOT NULL)`);
    await copyIn(
      ds,
      'COPY copy_in_t (i, v) FROM STDIN',
      rows.map(([i, v]) => `${i}\t${copyText(v)}\n`),
    );
    const back: { i: number; v: string }[] = await ds.query(`SELECT i, v FROM copy_in_t ORDER BY ctid`);
    expect(back.map((r) => [r.i, r.v])).toEqual(rows);
  });

  it('fails with Postgres’s error when a row does not fit the table, and stores nothing', async () => {
    await ds.query(`CREATE TABLE copy_in_bad (i int NOT NULL)`);
    await expect(copyIn(ds, 'COPY copy_in_bad (i) FROM STDIN', ['1\n', 'not a number\n'])).rejects.toThrow(
      /invalid input syntax for type integer/,
    );
    expect(await ds.query(`SELECT count(*)::int AS n FROM copy_in_bad`)).toEqual([{ n: 0 }]);
  });
});
