import type { RunStatus } from './analysis-run.entity';
import { analysisRunMachine, RunEvent } from './analysis-run-state';

const STATES: RunStatus[] = ['queued', 'running', 'completed', 'failed', 'duplicate'];

describe('analysis run transitions', () => {
  it('answers every (state, event) pair as the lifecycle says', () => {
    const expected: Record<RunStatus, Partial<Record<RunEvent, RunStatus>>> = {
      queued: { claim: 'running', fail: 'failed' },
      running: { claim: 'running', complete: 'completed', fail: 'failed', duplicate: 'duplicate' },
      completed: {},
      failed: {},
      duplicate: {},
    };
    for (const from of STATES)
      for (const event of analysisRunMachine.events)
        expect([from, event, analysisRunMachine.next(from, event)]).toEqual([
          from,
          event,
          expected[from][event] ?? null,
        ]);
  });

  it('an ended run is never claimed again', () => {
    for (const from of ['completed', 'failed', 'duplicate'] as RunStatus[])
      expect(analysisRunMachine.refusal('analysis run', from, 'claim')).toContain(
        'only from: queued, running',
      );
  });
});
