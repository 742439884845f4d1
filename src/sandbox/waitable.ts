/** An append-only list that tests (and the demo) can wait on: `await list.waitFor((all) => all.length >= 3)`. */
export class Waitable<T> {
  private items: T[] = [];
  private waiters: Array<() => void> = [];

  push(item: T): void {
    this.items.push(item);
    for (const w of this.waiters.splice(0)) w();
  }

  get all(): readonly T[] {
    return this.items;
  }

  get length(): number {
    return this.items.length;
  }

  find(p: (x: T) => boolean): T | undefined {
    return this.items.find(p);
  }

  filter(p: (x: T) => boolean): T[] {
    return this.items.filter(p);
  }

  clear(): void {
    this.items = [];
  }

  /** Resolves with the items once `done(items)` holds; rejects after `timeoutMs`, saying `what` it waited for. */
  async waitFor(
    done: (all: readonly T[]) => boolean,
    timeoutMs = 15_000,
    what = 'the items a test expects',
  ): Promise<readonly T[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.items)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (have ${this.items.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.items;
  }
}
