import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { ANALYSIS_QUEUE, AnalysisService } from './analysis.service';

/**
 * Runs queued analyses. The payload is the run id; AnalysisService.execute is idempotent (a finished run
 * is skipped, an interrupted one restarts clean), so a redelivered job is harmless. Progress goes to the
 * job (for queue dashboards) and to the run row (for `GET /analyses/:id`).
 */
@Processor(ANALYSIS_QUEUE, { autorun: false, concurrency: 1, lockDuration: 120_000 })
export class AnalysisProcessor extends WorkerHost {
  constructor(private readonly analyses: AnalysisService) {
    super();
  }

  async process(job: Job<{ runId: string }>): Promise<void> {
    let last = 0;
    await this.analyses.execute(job.data.runId, (done, total) => {
      if (Date.now() - last < 1000 && done < total) return;
      last = Date.now();
      void job.updateProgress({ bytesDone: done, bytesTotal: total }).catch(() => undefined);
    });
  }
}
