import { GroupWriter } from './group-writer';

describe('GroupWriter', () => {
  it('writes the first call at once and the calls made meanwhile together, in order', async () => {
    const batches: number[][] = [];
    const w = new GroupWriter<number, number>(async (b) => {
      batches.push(b);
      await new Promise((r) => setTimeout(r, 10));
      return b.map((x) => x * 2);
    });
    const results = await Promise.all([1, 2, 3, 4].map((x) => w.push(x)));
    expect(results).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects every call of a failed batch, and goes on with the next', async () => {
    let fail = true;
    const w = new GroupWriter<string>(async (b) => {
      if (fail) throw new Error('database gone');
      return b.map(() => undefined);
    });
    await expect(w.push('a')).rejects.toThrow('database gone');
    fail = false;
    await expect(w.push('b')).resolves.toBeUndefined();
  });

  it('splits a long queue into batches of at most maxBatch', async () => {
    const sizes: number[] = [];
    const w = new GroupWriter<number>(async (b) => {
      sizes.push(b.length);
      return b.map(() => undefined);
    }, 3);
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((x) => w.push(x)));
    expect(sizes).toEqual([1, 3, 3]);
  });
});
