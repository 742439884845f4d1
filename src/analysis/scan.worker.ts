/* Worker thread entry: scans one task and posts progress and its counts back to the pool. */
import { parentPort, workerData } from 'node:worker_threads';
import { runScanTask, ScanSettings } from './scan-task';
import { ScanTask } from './scan-plan';

const { task, settings } = workerData as { task: ScanTask; settings: ScanSettings };
runScanTask(
  task,
  settings,
  (pairs) => parentPort!.postMessage({ type: 'pairs', pairs }),
  (bytes, lines) => parentPort!.postMessage({ type: 'progress', bytes, lines }),
).then(
  (counts) => parentPort!.postMessage({ type: 'done', counts }),
  (e: Error) => parentPort!.postMessage({ type: 'error', message: e.message }),
);
