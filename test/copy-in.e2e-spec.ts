import { DataSource } from 'typeorm';
import { copyIn, copyInWith } from '../src/platform/database/copy-in';
import { copyText } from '../src/platform/database/copy-text';
import { createTestDatabase } from './helpers/db';

// copyIn writes rows as bytes into reusable 256 KiB buffers (sent half full, two in flight): rows must arrive
// whole and in order across every buffer boundary and reuse, multi-byte characters and a row longer than a
// buffer included.
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

  it('writes rows byte by byte through many reused buffers, a row wider than a buffer among them', async () => {
    await ds.query(`CREATE TABLE copy_in_w (i int NOT NULL, n bigint NOT NULL, v text NOT NULL)`);
    const wide = 'w'.repeat(600_000); // wider than a whole buffer: grows one
    const count = 60_000; // ~3 MB of rows: a dozen buffers, each reused several times
    const value = (i: number) => (i === 30_000 ? wide : i % 5 ? `h${i}` : `ŵ\t${i}`);
    await copyInWith(ds, 'COPY copy_in_w (i, n, v) FROM STDIN', async (out) => {
      for (let i = 0; i < count; i++) {
        out
          .int(i)
          .byte(9)
          .int(1_764_800_000_000 + i)
          .byte(9)
          .text(copyText(value(i).padEnd(40, '.')));
        const wait = out.endRow();
        if (wait) await wait;
      }
    });
    const back: { i: number; n: string; v: string }[] = await ds.query(
      `SELECT i, n::text, v FROM copy_in_w ORDER BY ctid`,
    );
    expect(back).toHaveLength(count);
    back.forEach((r, i) => {
      if (r.i !== i || r.n !== String(1_764_800_000_000 + i) || r.v !== value(i).padEnd(40, '.'))
        throw new Error(`row ${i} came back as ${JSON.stringify(r).slice(0, 200)}`);
    });
  });

  it('aborts the COPY, storing nothing, when the writer throws part way', async () => {
    await ds.query(`CREATE TABLE copy_in_abort (i int NOT NULL)`);
    await expect(
      copyInWith(ds, 'COPY copy_in_abort (i) FROM STDIN', async (out) => {
        for (let i = 0; i < 200_000; i++) {
          const wait = out.int(i).endRow();
          if (wait) await wait;
        }
        throw new Error('the merger failed');
      }),
    ).rejects.toThrow('the merger failed');
    expect(await ds.query(`SELECT count(*)::int AS n FROM copy_in_abort`)).toEqual([{ n: 0 }]);
    // the connection is usable afterwards
    expect(await ds.query(`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
  });
});
