import { Processor, WorkerHost } from '@nestjs/bullmq';
import { OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { DurableWork } from '../platform/queue/durable-work';
import { ANALYSIS_QUEUE, AnalysisService } from './analysis.service';

/**
 * Runs queued analyses. The payload is the run id; AnalysisService.execute is idempotent (a finished run
 * is skipped, an interrupted one restarts clean), so a redelivered job is harmless. Progress goes to the
 * job (for queue dashboards) and to the run row (for `GET /analyses/:id`).
 */
@Processor(ANALYSIS_QUEUE, { autorun: false, concurrency: 1, lockDuration: 120_000 })
export class AnalysisProcessor extends WorkerHost implements OnModuleInit {
  constructor(
    private readonly analyses: AnalysisService,
    private readonly work: DurableWork,
  ) {
    super();
  }

  onModuleInit(): void {
    this.work.handle('analysis.run', async (job) => {
      let last = 0;
      await this.analyses.execute(String(job.data.runId), (done, total) => {
        if (Date.now() - last < 1000 && done < total) return;
        last = Date.now();
        void job.updateProgress({ bytesDone: done, bytesTotal: total }).catch(() => undefined);
      });
    });
  }

  process(job: Job): Promise<unknown> {
    return this.work.run(job);
  }
}
