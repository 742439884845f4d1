import { stateMachine } from '../platform/state/state-machine';
import type { RunStatus } from './analysis-run.entity';

/**
 * A run's lifecycle. A worker claims a queued run (again after an interruption: `running` → `running`);
 * it ends completed, failed, or as a duplicate of a live run with the same inputs and parameters.
 */
export type RunEvent = 'claim' | 'complete' | 'fail' | 'duplicate';

export const analysisRunMachine = stateMachine<RunStatus, RunEvent>({
  claim: { from: ['queued', 'running'], to: 'running' },
  complete: { from: ['running'], to: 'completed' },
  fail: { from: ['queued', 'running'], to: 'failed' },
  duplicate: { from: ['running'], to: 'duplicate' },
});
