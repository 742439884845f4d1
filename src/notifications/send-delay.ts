/**
 * How long, in this worker, a send holds its place on its lane beyond the window: the mean time from its
 * admission to the provider's answer over the recent sends. A slow database, a busy CPU or a stalled event
 * loop lengthen it; the pacer then schedules sends a little slower (the lane sustains `rate × 1 s / (1 s +
 * delay)`), so they do not queue at the admission.
 */
export class SendDelay {
  private readonly ms: number[] = [];
  private next = 0;
  private sum = 0;

  constructor(
    /** Recent sends the mean is taken over. */
    private readonly size = 512,
    /** Below this many sends the mean is taken as 0 (the admission still holds the limit). */
    private readonly minSamples = 32,
    /** The most it reports: a machine this slow is scheduled at half the rate (or less, if it cannot keep up). */
    private readonly ceilingUs = 1_000_000,
  ) {}

  /** Records one send: ms from its admission to its answer. */
  record(ms: number): void {
    this.sum += ms - (this.ms[this.next] ?? 0);
    this.ms[this.next] = ms;
    this.next = (this.next + 1) % this.size;
  }

  /** The mean over the recent sends, µs. */
  meanUs(): number {
    if (this.ms.length < this.minSamples) return 0;
    return Math.min(this.ceilingUs, Math.max(0, Math.round((this.sum / this.ms.length) * 1000)));
  }
}
