/* Worker thread entry: scans one task and posts progress, its exposures (in batches) and its counts back
   to the pool. A fed worker (scan-pool.ts `fanOut`) takes its bytes from chunk messages, and gives each
   chunk's buffer back once parsed: that return is the pool's signal to send another. */
import { parentPort, workerData } from 'node:worker_threads';
import { runScanTask, ScanSettings } from './scan-task';
import { ScanTask } from './scan-plan';
import { BatchArrays, ExposureBatch } from './exposure-aggregator';

const { task, settings, fed, source } = workerData as {
  task: ScanTask;
  settings: ScanSettings;
  fed?: boolean;
  source: number;
};
const port = parentPort!;

// Batches are acknowledged once merged (or once a spill to Postgres is written): with two
// outstanding the scanner waits, so a slow spill slows the scan instead of piling batches up in memory.
const acks = new Map<number, () => void>();
// an ack brings the batch's arrays back: the batcher refills them instead of allocating
const spares: BatchArrays[] = [];
const outstanding: Promise<void>[] = [];
let next = 0;
async function onBatch(batch: ExposureBatch): Promise<void> {
  const id = next++;
  outstanding.push(new Promise<void>((r) => acks.set(id, r)));
  port.postMessage({ type: 'batch', id, batch }, [
    batch.numbers.buffer as ArrayBuffer,
    batch.hosts.buffer as ArrayBuffer,
    batch.times.buffer as ArrayBuffer,
  ]);
  if (outstanding.length > 1) await outstanding.shift();
}

// chunks sent while this thread starts wait here (at most the pool's in-flight few)
const queue: Buffer[] = [];
let ended = false;
let wake: (() => void) | null = null;
const onMessage = (m: {
  type: string;
  id?: number;
  buf?: ArrayBuffer;
  length?: number;
  arrays?: BatchArrays;
}) => {
  if (m.type === 'ack') {
    if (m.arrays) spares.push(m.arrays);
    acks.get(m.id!)?.();
    acks.delete(m.id!);
    return;
  }
  if (m.type === 'chunk') queue.push(Buffer.from(m.buf!, 0, m.length));
  else if (m.type === 'end') ended = true;
  else return;
  wake?.();
};
port.on('message', onMessage);

async function* chunks(): AsyncIterable<Buffer> {
  for (;;) {
    const chunk = queue.shift();
    if (chunk) {
      yield chunk;
      // parsed (the scanner asks for the next chunk only then): hand the buffer back
      port.postMessage({ type: 'parsed', buf: chunk.buffer }, [chunk.buffer as ArrayBuffer]);
    } else if (ended) return;
    else {
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  }
}

runScanTask(
  task,
  settings,
  onBatch,
  (bytes, lines) => port.postMessage({ type: 'progress', bytes, lines }),
  fed ? chunks() : undefined,
  source,
  spares,
)
  .then(async (counts) => {
    await Promise.all(outstanding); // every batch merged before the counts say the task is done
    port.postMessage({ type: 'done', counts });
  })
  .catch((e: Error) => port.postMessage({ type: 'error', message: e.message }))
  // a listening port keeps the thread, and with it the whole process, alive
  .finally(() => port.off('message', onMessage));
