import { CopyOut } from '../platform/database/copy-in';
import { LaneFeed, laneOf, laneRange } from './lane-feed';

describe('lanes of pseudonyms', () => {
  it('puts every hex digit in the one lane whose range holds it, for 1 to 16 lanes', () => {
    for (let lanes = 1; lanes <= 16; lanes++) {
      const ranges = Array.from({ length: lanes }, (_, l) => laneRange(l, lanes));
      expect(ranges[0][0]).toBe('0');
      expect(ranges[lanes - 1][1]).toBe('g');
      for (let l = 1; l < lanes; l++) expect(ranges[l][0]).toBe(ranges[l - 1][1]); // contiguous
      for (const c of '0123456789abcdef') {
        const lane = laneOf(Buffer.from(c + 'f'.repeat(63), 'latin1'), 0, lanes);
        const [from, to] = ranges[lane];
        expect(c >= from && c < to).toBe(true);
      }
    }
    expect(laneRange(0, 2)).toEqual(['0', '8']);
    expect(laneRange(1, 2)).toEqual(['8', 'g']);
    // the pseudonym at an offset of a buffer of several
    expect(laneOf(Buffer.from('0'.repeat(64) + 'c' + '0'.repeat(63), 'latin1'), 64, 2)).toBe(1);
  });
});

describe('LaneFeed', () => {
  const out = (name: string) => ({ name }) as unknown as CopyOut;

  it('starts the producer once every lane joined, with their writers, and tells each lane its count', async () => {
    let given: CopyOut[] = [];
    let runs = 0;
    const feed = new LaneFeed(2, async (outs) => {
      runs++;
      given = outs;
      return [3, 5];
    });
    const second = out('b');
    const b = feed.join(1, second);
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(0); // lane 0 has not joined
    const first = out('a');
    await expect(Promise.all([feed.join(0, first), b])).resolves.toEqual([3, 5]);
    expect(runs).toBe(1);
    expect(given).toEqual([first, second]);
    await expect(feed.join(0, first)).rejects.toThrow(/joined twice/);
  });

  it('fails the lanes that joined when another fails before joining, and never starts the producer', async () => {
    let runs = 0;
    const feed = new LaneFeed(2, async () => {
      runs++;
      return [0, 0];
    });
    const joined = feed.join(0, out('a'));
    feed.fail(new Error('lane 1 lost its connection'));
    await expect(joined).rejects.toThrow('lane 1 lost its connection');
    expect(runs).toBe(0);
  });

  it('fails every lane when the producer fails, and a failure with no lane joined is not unhandled', async () => {
    const feed = new LaneFeed(2, async () => {
      throw new Error('spill file unreadable');
    });
    const all = [feed.join(0, out('a')), feed.join(1, out('b'))];
    for (const j of all) await expect(j).rejects.toThrow('spill file unreadable');
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const lonely = new LaneFeed(1, async () => [0]);
      lonely.fail(new Error('gone before it came')); // no lane joined: nothing awaits it
      await new Promise((r) => setTimeout(r, 10));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
