import { Injectable } from '@nestjs/common';
import { Writable } from 'node:stream';
import { Clock } from '../platform/clock/clock';
import { InvalidInput } from '../platform/http/domain-error';
import { ReportName, ReportRow, ReportsRepository } from './reports.repository';

export { REPORT_NAMES, type ReportName } from './reports.repository';

/**
 * Finance's view. Each report is one SQL statement over [from, to), served as JSON or streamed as CSV
 * (COPY), so an export does not grow the process's memory with the number of rows.
 */
@Injectable()
export class ReportsService {
  constructor(
    private readonly repo: ReportsRepository,
    private readonly clock: Clock,
  ) {}

  period(from?: string, to?: string): [Date, Date] {
    const end = to ? new Date(to) : this.clock.now();
    const start = from ? new Date(from) : new Date(end.getTime() - 30 * 86400_000);
    if (!(start < end)) throw new InvalidInput('from must be before to');
    return [start, end];
  }

  json(name: ReportName, from: Date, to: Date): Promise<ReportRow[]> {
    return this.repo.rows(name, this.params(name, from, to));
  }

  csv(name: ReportName, from: Date, to: Date, out: Writable): Promise<void> {
    return this.repo.csv(name, this.params(name, from, to), out);
  }

  /** The period, and for the liability report the Clock's now (what can still be claimed). */
  private params(name: ReportName, from: Date, to: Date): Date[] {
    return name === 'liability' ? [from, to, this.clock.now()] : [from, to];
  }
}
