/**
 * How far apart, in this worker, the provider may see sends that the pacer admitted at the same moment: the
 * spread between the earliest a send can reach it (its call starting after the admission) and the latest
 * (the provider's answer) over the recent sends. A slow database, a busy CPU or a stalled event loop widen
 * it; the pacer then slows down and widens its cap window by as much, so admitted sends cannot bunch up at the
 * provider beyond its limit (the rate drops on a loaded machine; the worst second does not rise).
 */
export class SendJitter {
  private readonly calls: number[] = [];
  private readonly answers: number[] = [];
  private next = 0;
  private cachedUs: number | null = null;
  private sinceComputed = 0;

  constructor(
    /** Recent sends the estimate is taken over. */
    private readonly size = 512,
    /** Below this many sends the estimate is the floor alone. */
    private readonly minSamples = 32,
    /** The allowance a quiet machine still gets: timer and network jitter that no sample shows. */
    private readonly floorUs = 10_000,
    /** The most it allows: a machine this slow sends at half the rate (or less, if it cannot keep up). */
    private readonly ceilingUs = 1_000_000,
  ) {}

  /** Records one send: ms from its admission to its call's start, and to the provider's answer. */
  record(toCallMs: number, toAnswerMs: number): void {
    this.calls[this.next] = toCallMs;
    this.answers[this.next] = toAnswerMs;
    this.next = (this.next + 1) % this.size;
    this.sinceComputed++;
  }

  /** µs to allow between the admitted starts and the provider's clock: p99 of answers − p1 of call starts. */
  allowanceUs(): number {
    if (this.calls.length < this.minSamples) return this.floorUs;
    // Recomputed every 16 sends, not on every admission (sorting 512 numbers each time).
    if (this.cachedUs !== null && this.sinceComputed < 16) return this.cachedUs;
    const spread = percentile(this.answers, 0.99) - percentile(this.calls, 0.01);
    this.sinceComputed = 0;
    return (this.cachedUs = Math.min(this.ceilingUs, Math.max(this.floorUs, Math.ceil(spread * 1000))));
  }
}

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}
