import { Injectable } from '@nestjs/common';
import { AnalysisResultsRepository, LatestExposure } from './analysis-results.repository';
import { AnalysisRunsRepository } from './analysis-runs.repository';

export interface CustomerExposure {
  analysed: boolean;
  affected: boolean;
  checkedAt: string | null;
  exposure: LatestExposure | null;
}

/** "Am I affected?" for one subscriber (customer pages, My account, support). */
@Injectable()
export class CustomerExposureService {
  constructor(
    private readonly runs: AnalysisRunsRepository,
    private readonly results: AnalysisResultsRepository,
  ) {}

  /**
   * From completed runs only, their own figures only. Affected when any completed run matched them; the
   * details come from the latest such run.
   */
  async customerExposure(subscriberId: string): Promise<CustomerExposure> {
    const checkedAt = await this.runs.lastCompletedAt();
    if (!checkedAt) return { analysed: false, affected: false, checkedAt: null, exposure: null };
    const exposure = await this.results.latestForSubscriber(subscriberId);
    return { analysed: true, affected: !!exposure, checkedAt: new Date(checkedAt).toISOString(), exposure };
  }
}
