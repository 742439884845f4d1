/**
 * Group commit for small hot-path writes: the first call writes at once; calls made while a write is in flight
 * are written together, in one statement, when it returns (no added wait when idle, one statement for many rows
 * under load). `write` gets the batch and returns one result per item, in order.
 */
export class GroupWriter<T, R = void> {
  private queue: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  private writing = false;

  constructor(
    private readonly write: (batch: T[]) => Promise<R[]>,
    private readonly maxBatch = 500,
  ) {}

  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.write(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(results[i]));
      } catch (e) {
        batch.forEach((b) => b.reject(e));
      }
    }
    this.writing = false;
  }
}
