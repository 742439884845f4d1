/* Worker thread entry: scans one task and posts progress and its counts back to the pool. */
import { parentPort, workerData } from 'node:worker_threads';
import { runScanTask, ScanSettings } from './scan-task';
import { ScanTask } from './scan-plan';
import { PairTotal } from './exposure-aggregator';

const { task, settings } = workerData as { task: ScanTask; settings: ScanSettings };
const port = parentPort!;

// Batches of pairs are acknowledged once merged (or once a spill to Postgres is written): with two
// outstanding the scanner waits, so a slow spill slows the scan instead of piling batches up in memory.
const acks = new Map<number, () => void>();
const outstanding: Promise<void>[] = [];
let next = 0;
port.on('message', (m: { type: string; id: number }) => {
  if (m.type === 'ack') acks.get(m.id)?.();
  acks.delete(m.id);
});
async function onPairs(pairs: PairTotal[]): Promise<void> {
  const id = next++;
  outstanding.push(new Promise<void>((r) => acks.set(id, r)));
  port.postMessage({ type: 'pairs', id, pairs });
  if (outstanding.length > 1) await outstanding.shift();
}

runScanTask(task, settings, onPairs, (bytes, lines) => port.postMessage({ type: 'progress', bytes, lines }))
  .then(async (counts) => {
    await Promise.all(outstanding); // every batch merged before the counts say the task is done
    port.postMessage({ type: 'done', counts });
  })
  .catch((e: Error) => port.postMessage({ type: 'error', message: e.message }));
