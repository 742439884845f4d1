import { DataSource, EntityManager } from 'typeorm';
import { AuditWriter, changeState, sqlValue } from '../src/platform/state/state-change';
import { createTestDatabase } from './helpers/db';

// changeState: the conditional UPDATE of a state column plus its audit row, in one transaction, on real Postgres.
describe('changeState', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;
  const actor = { type: 'staff' as const, id: 'u1', role: 'supervisor' };
  // The audit row goes through the writer with the caller's manager: it lands (or not) with the move.
  const trail: AuditWriter = {
    record: async (m, a, e) =>
      void (await m.query(`INSERT INTO trail (actor, action, target, summary) VALUES ($1, $2, $3, $4)`, [
        a.id,
        e.action,
        e.targetId,
        e.summary,
      ])),
  };
  const move = (m: EntityManager, id: string, from: string | string[], extra: object = {}) =>
    changeState(m, trail, {
      table: 'things',
      id,
      from,
      to: 'on',
      audit: { actor, action: 'thing.switch', targetType: 'thing', summary: { why: 'test' } },
      ...extra,
    });
  const row = async (id: string) => (await ds.query(`SELECT * FROM things WHERE id = $1`, [id]))[0];
  const audits = async (id: string) => ds.query(`SELECT * FROM trail WHERE target = $1`, [id]);

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource({ type: 'postgres', url: db.url }).initialize();
    await ds.query(`CREATE TABLE things (id text PRIMARY KEY, status text NOT NULL, note text, at timestamptz,
                                        locked boolean NOT NULL DEFAULT false, n int NOT NULL DEFAULT 0)`);
    await ds.query(`CREATE TABLE trail (actor text, action text, target text, summary jsonb)`);
    await ds.query(`INSERT INTO things (id, status) VALUES ('a', 'off'), ('b', 'broken'), ('c', 'off'),
                    ('d', 'off'), ('e', 'idle'), ('f', 'off'), ('g', 'off')`);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('moves a row in an allowed state, writes the other columns and one audit row', async () => {
    const at = new Date('2026-03-29T00:30:00Z');
    const moved = await ds.transaction((m) =>
      move(m, 'a', 'off', {
        set: { note: 'hello', at: sqlValue('coalesce(at, ?)', at), n: sqlValue('n + 1') },
      }),
    );
    expect(moved).toBe(true);
    expect(await row('a')).toMatchObject({ status: 'on', note: 'hello', at, n: 1 });
    expect(await audits('a')).toEqual([
      { actor: 'u1', action: 'thing.switch', target: 'a', summary: { from: 'off', to: 'on', why: 'test' } },
    ]);
  });

  it('accepts any of several origins', async () => {
    expect(await ds.transaction((m) => move(m, 'e', ['off', 'idle']))).toBe(true);
    expect((await row('e')).status).toBe('on');
  });

  it('leaves a row in another state alone and writes no audit row', async () => {
    expect(await ds.transaction((m) => move(m, 'b', ['off', 'idle']))).toBe(false);
    expect(await row('b')).toMatchObject({ status: 'broken', n: 0 });
    expect(await audits('b')).toEqual([]);
    expect(await ds.transaction((m) => move(m, 'nobody', 'off'))).toBe(false);
  });

  it('honours a further condition on the row', async () => {
    await ds.query(`UPDATE things SET locked = true WHERE id = 'c'`);
    expect(await ds.transaction((m) => move(m, 'c', 'off', { where: 'NOT locked' }))).toBe(false);
    expect((await row('c')).status).toBe('off');
  });

  it('lets exactly one of two racing transactions win', async () => {
    const qr = ds.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    try {
      expect(await move(qr.manager, 'd', 'off')).toBe(true);
      // the second waits on the first's row lock, then finds the row no longer 'off'
      const second = ds.transaction((m) => move(m, 'd', 'off'));
      await qr.commitTransaction();
      expect(await second).toBe(false);
    } finally {
      await qr.release();
    }
    expect(await audits('d')).toHaveLength(1);
  });

  it('audits on another target when told (a part audited on its whole)', async () => {
    const audit = {
      actor,
      action: 'thing.switch',
      targetType: 'box',
      targetId: 'box-1',
      summary: { part: 'g' },
    };
    expect(await ds.transaction((m) => move(m, 'g', 'off', { audit }))).toBe(true);
    expect(await audits('g')).toEqual([]);
    expect(await audits('box-1')).toEqual([
      { actor: 'u1', action: 'thing.switch', target: 'box-1', summary: { from: 'off', to: 'on', part: 'g' } },
    ]);
  });

  it('rolls the move back with a failed audit write', async () => {
    const failing: AuditWriter = {
      record: async () => {
        throw new Error('audit down');
      },
    };
    await expect(
      ds.transaction((m) =>
        changeState(m, failing, {
          table: 'things',
          id: 'f',
          from: 'off',
          to: 'on',
          audit: { actor, action: 'thing.switch', targetType: 'thing' },
        }),
      ),
    ).rejects.toThrow('audit down');
    expect((await row('f')).status).toBe('off');
  });

  it('refuses a column name that is not a plain identifier', async () => {
    await expect(
      ds.transaction((m) => move(m, 'f', 'off', { set: { 'note = 1; --': 'x' } })),
    ).rejects.toThrow(/not a column or table name/);
    expect((await row('f')).status).toBe('off');
  });
});
