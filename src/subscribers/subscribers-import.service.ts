import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
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
import { SubscribersImportRepository } from './subscribers-import.repository';
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
 * find duplicates and upsert by account_id in one transaction (SubscribersImportRepository). Memory stays flat for millions of rows.
 */
@Injectable()
export class SubscribersImportService {
  private readonly mobile: (raw: string) => string | null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: SubscribersImportRepository,
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
    await runner.connect();
    try {
      await runner.startTransaction();
      const m = runner.manager;
      const file = { hasPortedInAt: false };
      await this.repo.stage(m, this.rows(path, report, reject, file));
      for (const r of await this.repo.rejectCounts(m)) {
        report.rejected += r.n;
        report.reasons[r.reason] += r.n;
      }
      report.samples.push(...(await this.repo.rejectSamples(m, 20)));
      const { imported, updated } = await this.repo.apply(m, this.clock.now(), file.hasPortedInAt);
      report.imported = imported;
      report.updated = updated;
      report.unchanged = report.rows - report.rejected - report.imported - report.updated;
      await this.audit.record(m, actor, {
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
    await this.repo.vacuum();
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
