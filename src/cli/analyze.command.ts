import { Module } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { resolve } from 'node:path';
import { SYSTEM_ACTOR } from '../platform/http/actor';
import { AnalysisService } from '../analysis/analysis.service';
import { LOG_FORMATS, LogFormat } from '../analysis/formats';
import { renderReport } from '../analysis/report';
import { AnalysisContextModule } from './analysis-context.module';
import { withContext } from './cli-app';
import { progressLine } from './progress';

interface AnalyzeOptions {
  from: string;
  to: string;
  partner?: string[];
  incident?: string;
  json?: boolean;
  format?: LogFormat;
  squidLogformat?: string;
  distributed?: boolean;
}

/** The JSON keys the CLI promises (README); the full summary is available over the API. */
const JSON_KEYS = [
  'runId',
  'status',
  'reusedRunId',
  'linesRead',
  'linesMalformed',
  'exposures',
  'partnerExposures',
  'invalidValues',
  'distinctMsisdns',
  'matchedSubscribers',
  'unmatchedMsisdns',
  'firstSeen',
  'lastSeen',
  'topHosts',
  'excluded',
  'timings',
] as const;

@Command({
  name: 'analyze',
  arguments: '<files...>',
  description: 'Find exposed numbers in gateway logs (plain or .gz) and match them to subscribers',
})
export class AnalyzeCommand extends CommandRunner {
  async run(files: string[], o: AnalyzeOptions): Promise<void> {
    const from = new Date(o.from);
    const to = new Date(o.to);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
      throw new Error('--from and --to must be ISO 8601 times');
    const started = Date.now();
    const tty = process.stderr.isTTY;
    let lastDraw = 0;
    const summary = await withContext(AnalysisContextModule.forRoot, (ctx) => {
      const analyses = ctx.get(AnalysisService);
      return (o.distributed ? analyses.analyzeOnWorkers : analyses.analyze).call(
        analyses,
        {
          files: files.map((f) => resolve(f)),
          from,
          to,
          partners: o.partner,
          incidentId: o.incident ?? null,
          format: o.format,
          squidLogformat: o.squidLogformat,
        },
        { ...SYSTEM_ACTOR, id: 'cli' },
        (done, total, lines) => {
          if (Date.now() - lastDraw < 200 && done < total) return;
          lastDraw = Date.now();
          const line = progressLine(done, total, lines, Date.now() - started);
          process.stderr.write(tty ? `\r${line}` : `${line}\n`);
        },
      );
    });
    if (tty) process.stderr.write('\n');
    if (o.json) {
      const out = Object.fromEntries(
        JSON_KEYS.filter((k) => k in summary).map((k) => [k, summary[k as keyof typeof summary]]),
      );
      process.stdout.write(JSON.stringify(out) + '\n');
    } else process.stdout.write(renderReport(summary));
  }

  @Option({
    flags: '--from <iso>',
    description: 'window start, inclusive (UTC unless an offset is given)',
    required: true,
  })
  from(v: string) {
    return v;
  }

  @Option({ flags: '--to <iso>', description: 'window end, exclusive', required: true })
  to(v: string) {
    return v;
  }

  @Option({ flags: '--partner <suffix>', description: 'trusted partner host suffix (repeatable)' })
  partner(v: string, previous: string[] = []) {
    return [...previous, v];
  }

  @Option({ flags: '--incident <id>', description: 'incident this run belongs to' })
  incident(v: string) {
    return v;
  }

  @Option({ flags: '--format <format>', description: 'override format detection', choices: [...LOG_FORMATS] })
  format(v: string) {
    return v;
  }

  @Option({ flags: '--squid-logformat <format>', description: 'Squid logformat of the files' })
  squidLogformat(v: string) {
    return v;
  }

  @Option({
    flags: '--distributed',
    description:
      'queue the run for the worker processes (CANDOR_ROLE=worker) and wait for it, instead of running it here',
  })
  distributed() {
    return true;
  }

  @Option({ flags: '--json', description: 'print one JSON object on stdout instead of the report' })
  json() {
    return true;
  }
}

/** The CLI when the command is `analyze` (main.ts): this command alone, so nothing else is loaded. */
@Module({ providers: [AnalyzeCommand] })
export class AnalyzeCliModule {}
