import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { matchesTable } from './run-finish.repository';

/** Tables of analysis_matches' shapes: a run's own (its id's hex), a fold of several runs. */
const RUN_TABLE = /^analysis_matches_[0-9a-f]{32}$/;
const FOLD_TABLE = /^analysis_matches_fold_[0-9a-f]{16}$/;
/** Run r's own table's name, in SQL (as matchesTable() makes it). */
const RUN_TABLE_SQL = `'analysis_matches_' || replace(r.id::text, '-', '')`;

/** The SQL of folding runs' tables of matches into one (MatchesFolding). */
@Injectable()
export class MatchesFoldRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Runs `work` holding the fold's lock (a transaction's advisory lock, held by one connection while `work`
   * uses others); null when another fold holds it.
   */
  exclusively<T>(work: () => Promise<T>): Promise<T | null> {
    return this.db.transaction(async (m) => {
      const [{ ok }] = await m.query(
        `SELECT pg_try_advisory_xact_lock(hashtext('analysis_matches fold')) AS ok`,
      );
      return ok ? work() : null;
    });
  }

  /** Runs whose matches are a table of their own in analysis_matches, newest first. */
  async runTables(): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT r.id FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN analysis_runs r ON c.relname = ${RUN_TABLE_SQL}
       WHERE i.inhparent = 'analysis_matches'::regclass
       ORDER BY r.finished_at DESC NULLS LAST, r.id DESC`,
    );
    return rows.map((r) => r.id);
  }

  /**
   * Drops what a fold that died left outside analysis_matches: its new table, or runs' tables it had detached
   * (a run's table outside analysis_matches is otherwise only a running finish's, which stays).
   */
  async dropLeftovers(): Promise<number> {
    const rows: { name: string }[] = await this.db.query(
      `SELECT c.relname AS name FROM pg_class c
       WHERE c.relkind = 'r' AND c.relname LIKE 'analysis\\_matches\\_%'
         AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)
         AND NOT EXISTS (SELECT 1 FROM analysis_runs r
                         WHERE c.relname = ${RUN_TABLE_SQL} AND r.status = 'running')`,
    );
    const gone = rows.map((r) => r.name).filter((n) => RUN_TABLE.test(n) || FOLD_TABLE.test(n));
    for (const name of gone) await this.db.query(`DROP TABLE IF EXISTS ${name}`);
    return gone.length;
  }

  /**
   * Folds runs' tables into one new table of analysis_matches: rows copied and indexed outside any lock readers
   * wait for, then one short transaction detaches the runs' tables and attaches the fold (readers see one or
   * the other, never both or neither), then the runs' tables are dropped. A run deleted meanwhile fails the
   * fold (its table is gone), which leaves analysis_matches as it was.
   */
  async fold(runIds: string[]): Promise<void> {
    if (runIds.length === 0) throw new Error('a fold of no runs');
    const fold = `analysis_matches_fold_${randomBytes(8).toString('hex')}`;
    const tables = runIds.map(matchesTable); // checks every id is a uuid
    const ids = runIds.map((id) => `'${id}'`).join(', ');
    await this.db.query(
      `CREATE TABLE ${fold} (LIKE analysis_matches INCLUDING DEFAULTS, CHECK (run_id IN (${ids})))`,
    );
    try {
      await this.db.query(
        `INSERT INTO ${fold} ${tables.map((t) => `SELECT * FROM ${t}`).join(' UNION ALL ')}`,
      );
      // a fold holds several runs: by run (a run's page, export, audience) and by subscriber (any run)
      await this.db.query(`CREATE UNIQUE INDEX ON ${fold} (run_id, subscriber_id)`);
      await this.db.query(`CREATE INDEX ON ${fold} (subscriber_id)`);
      await this.db.query(`ANALYZE ${fold}`);
      await this.db.transaction(async (m) => {
        for (const t of tables) await m.query(`ALTER TABLE analysis_matches DETACH PARTITION ${t}`);
        await m.query(`ALTER TABLE analysis_matches ATTACH PARTITION ${fold} FOR VALUES IN (${ids})`);
      });
    } catch (e) {
      await this.db.query(`DROP TABLE IF EXISTS ${fold}`);
      throw e;
    }
    for (const t of tables) await this.db.query(`DROP TABLE IF EXISTS ${t}`);
  }

  /** Tables analysis_matches is made of, by name (for tests and operators). */
  async parts(): Promise<string[]> {
    const rows: { name: string }[] = await this.db.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'analysis_matches'::regclass ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  }
}
