/**
 * Polls until `check` returns a truthy value (work done by a BullMQ worker, a webhook, a sweep), or fails
 * after `ms` saying `what` it waited for.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  ms = 15_000,
  what = 'the condition',
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`${what}: not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
