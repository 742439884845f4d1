import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { Pseudonymiser, toE164 } from '../platform/privacy';
import { LineSplitter } from '../platform/streams/line-splitter';
import { compileMobileMatcher } from '../platform/privacy/mobile-number';
import { copyText } from '../platform/database/copy-text';
import { parseCsvLine } from '../platform/streams/csv-line';
import { parsePortedInAt } from './ported-at';
import { localeOr } from '../platform/locales';

export type RejectReason =
  'missing_id' | 'bad_number' | 'bad_ported_in_at' | 'bad_row' | 'duplicate_number' | 'duplicate_account';

export interface ImportReport {
  rows: number;
  imported: number;
  updated: number;
  /** Rows identical to what was already stored. */
  unchanged: number;
  rejected: number;
  reasons: Record<RejectReason, number>;
  /** The first rejections by line number (never the number itself). */
  samples: { line: number; reason: RejectReason }[];
}

const REQUIRED = ['account_id', 'msisdn'];

/**
 * `subscribers import FILE.csv`: streams the CSV through a Buffer line splitter, checks each row in
 * Node (id present, number valid), COPYs the good rows into a temporary table, then lets Postgres
 * find duplicates and upsert by account_id in one transaction. Memory stays flat for millions of rows.
 */
@Injectable()
export class SubscribersImportService {
  private readonly mobile: (raw: string) => string | null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly pseudonymiser: Pseudonymiser,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.mobile = compileMobileMatcher(config.privacy.defaultCountry);
  }

  /** Fast path for mobiles (the usual case), libphonenumber for anything else. */
  private normalise(raw: string): string | null {
    return this.mobile(raw) ?? toE164(raw, this.config.privacy.defaultCountry);
  }

  async importFile(path: string, actor: Actor): Promise<ImportReport> {
    const report: ImportReport = {
      rows: 0,
      imported: 0,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      reasons: {
        missing_id: 0,
        bad_number: 0,
        bad_ported_in_at: 0,
        bad_row: 0,
        duplicate_number: 0,
        duplicate_account: 0,
      },
      samples: [],
    };
    const reject = (line: number, reason: RejectReason) => {
      report.rejected++;
      report.reasons[reason]++;
      if (report.samples.length < 20) report.samples.push({ line, reason });
    };

    const runner = this.db.createQueryRunner();
    const client: any = await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(`CREATE TEMP TABLE subscriber_import (
          line int NOT NULL, account_id text NOT NULL, msisdn text NOT NULL, msisdn_hmac text NOT NULL,
          email text, first_name text, locale text NOT NULL, ported_in_at timestamptz) ON COMMIT DROP`);
      const copy = client.query(
        copyFrom(
          'COPY subscriber_import (line, account_id, msisdn, msisdn_hmac, email, first_name, locale, ported_in_at) FROM STDIN',
        ),
      );
      const file = { hasPortedInAt: false };
      await pipeline(this.rows(path, report, reject, file), copy);
      await runner.query(`ANALYZE subscriber_import`);
      await runner.query(CLEAN_SQL);
      const reasons = await runner.query(
        `SELECT reason, count(*) AS n FROM (${REJECTS_SQL}) r GROUP BY reason`,
      );
      const samples = await runner.query(`${REJECTS_SQL} ORDER BY i.line LIMIT 20`);
      for (const r of reasons) {
        report.rejected += Number(r.n);
        report.reasons[r.reason as RejectReason] += Number(r.n);
      }
      report.samples.push(...samples);
      await runner.query(HISTORY_SQL, [this.clock.now()]);
      const [counts] = await runner.query(UPSERT_SQL, [file.hasPortedInAt]);
      report.imported = Number(counts.imported);
      report.updated = Number(counts.updated);
      report.unchanged = report.rows - report.rejected - report.imported - report.updated;
      await this.audit.record(runner.manager, actor, {
        action: 'subscribers.imported',
        targetType: 'subscribers',
        summary: {
          rows: report.rows,
          imported: report.imported,
          updated: report.updated,
          rejected: report.rejected,
          reasons: report.reasons,
        },
      });
      await runner.commitTransaction();
    } catch (e) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw e;
    } finally {
      await runner.release();
    }
    // After a bulk load the table's pages are not marked all-visible until (auto)vacuum gets there, and an
    // analysis run's subscriber lookups read only the index once they are (migration 1764100800000).
    await this.db.query(`VACUUM (ANALYZE) subscribers`);
    report.samples.sort((a, b) => a.line - b.line);
    report.samples = report.samples.slice(0, 20);
    return report;
  }

  /** The CSV as COPY text, row by row; rows rejected here never reach Postgres. */
  private rows(
    path: string,
    report: ImportReport,
    reject: (line: number, reason: RejectReason) => void,
    file: { hasPortedInAt: boolean },
  ): Readable {
    const normalise = (raw: string) => this.normalise(raw);
    const pseudonym = (e164: string) => this.pseudonymiser.pseudonym(e164);
    const now = this.clock.now();
    return Readable.from(
      (async function* () {
        let header: string[] | null = null;
        let lineNo = 0;
        let batch: string[] = [];
        const splitter = new LineSplitter((raw) => {
          lineNo++;
          const line = lineNo === 1 ? raw.replace(/^\u00ef\u00bb\u00bf/, '') : raw; // UTF-8 BOM, seen as latin1
          if (!header) {
            header = (parseCsvLine(line) ?? []).map((h) => h.trim().toLowerCase());
            const missing = REQUIRED.filter((r) => !header!.includes(r));
            if (missing.length)
              throw new Error(`CSV header lacks ${missing.join(', ')} (found: ${header.join(', ')})`);
            file.hasPortedInAt = header.includes('ported_in_at');
            return;
          }
          if (line.trim() === '') return;
          report.rows++;
          const cells = parseCsvLine(Buffer.from(line, 'latin1').toString('utf8'));
          if (!cells) return reject(lineNo, 'bad_row');
          const col = (name: string) => (cells[header!.indexOf(name)] ?? '').trim();
          const accountId = col('account_id');
          if (!accountId) return reject(lineNo, 'missing_id');
          const e164 = normalise(col('msisdn'));
          if (!e164) return reject(lineNo, 'bad_number');
          const portedInAt = parsePortedInAt(col('ported_in_at'), now);
          if (portedInAt === 'invalid') return reject(lineNo, 'bad_ported_in_at');
          const locale = col('locale').toLowerCase();
          batch.push(
            [
              lineNo,
              copyText(accountId),
              e164,
              pseudonym(e164),
              col('email') ? copyText(col('email')) : '\\N',
              col('first_name') ? copyText(col('first_name')) : '\\N',
              localeOr(locale),
              portedInAt ? portedInAt.toISOString() : '\\N',
            ].join('\t') + '\n',
          );
        });
        for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
          splitter.push(chunk as Buffer);
          if (batch.length) {
            yield batch.join('');
            batch = [];
          }
        }
        splitter.end();
        if (!header) throw new Error('empty CSV file');
        if (batch.length) yield batch.join('');
      })(),
    );
  }
}

/**
 * Set-based checks, in the import's transaction. Within the file the last row of an account wins; a
 * number claimed by two accounts in the file keeps its first row; a number that already belongs to
 * another account is refused.
 */
const CLEAN_SQL = `
  CREATE TEMP TABLE import_clean ON COMMIT DROP AS
  WITH last_per_account AS (
    SELECT DISTINCT ON (account_id) * FROM subscriber_import ORDER BY account_id, line DESC
  ), first_per_number AS (
    SELECT DISTINCT ON (msisdn) * FROM last_per_account ORDER BY msisdn, line
  )
  SELECT f.* FROM first_per_number f
  WHERE NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.msisdn_hmac = f.msisdn_hmac AND s.account_id <> f.account_id)`;

const REJECTS_SQL = `
  SELECT i.line,
         CASE WHEN EXISTS (SELECT 1 FROM subscriber_import j WHERE j.account_id = i.account_id AND j.line > i.line)
              THEN 'duplicate_account' ELSE 'duplicate_number' END AS reason
  FROM subscriber_import i WHERE NOT EXISTS (SELECT 1 FROM import_clean c WHERE c.line = i.line)`;

/** A changed number goes to the history first, so analyses still recognise the old one. */
const HISTORY_SQL = `
  INSERT INTO subscriber_number_history (subscriber_id, msisdn, msisdn_hmac, valid_from, valid_to, reason)
  SELECT s.id, s.msisdn, s.msisdn_hmac, $1::timestamptz, $1::timestamptz, 'import'
  FROM subscribers s JOIN import_clean c ON c.account_id = s.account_id AND c.msisdn <> s.msisdn`;

/**
 * $1: the file has a ported_in_at column. Without one a stored port-in date is kept, unless the number
 * itself changed (the date described the old number).
 */
const UPSERT_SQL = `
  WITH upserted AS (
    INSERT INTO subscribers (account_id, msisdn, msisdn_hmac, email, first_name, locale, ported_in_at)
    SELECT account_id, msisdn, msisdn_hmac, email, first_name, locale, ported_in_at FROM import_clean
    ON CONFLICT (account_id) DO UPDATE SET msisdn = EXCLUDED.msisdn, msisdn_hmac = EXCLUDED.msisdn_hmac,
      email = EXCLUDED.email, first_name = EXCLUDED.first_name, locale = EXCLUDED.locale,
      ported_in_at = CASE WHEN $1::boolean THEN EXCLUDED.ported_in_at
                          WHEN subscribers.msisdn <> EXCLUDED.msisdn THEN NULL
                          ELSE subscribers.ported_in_at END,
      updated_at = now()
    WHERE (subscribers.msisdn, subscribers.email, subscribers.first_name, subscribers.locale)
      IS DISTINCT FROM (EXCLUDED.msisdn, EXCLUDED.email, EXCLUDED.first_name, EXCLUDED.locale)
      OR ($1::boolean AND subscribers.ported_in_at IS DISTINCT FROM EXCLUDED.ported_in_at)
    RETURNING (xmax = 0) AS inserted
  )
  SELECT count(*) FILTER (WHERE inserted) AS imported, count(*) FILTER (WHERE NOT inserted) AS updated FROM upserted`;
