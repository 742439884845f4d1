import { Pseudonymiser } from '../platform/privacy';
import { squidAddon } from './native-scan';

/** The pseudonym's length: 64 hex digits. */
export const PSEUDONYM_BYTES = 64;

/**
 * Pseudonyms of numbers in bulk, as `Pseudonymiser.pseudonym('+' + key)` makes them (purpose 'msisdn'): a
 * run's finish pseudonymises every exposed number (~1M). Native (native/src/pseudonym.c: OpenSSL's SHA-256
 * from the pads prepared once, ~0.35 µs a number) when the addon is loaded and `native` is on
 * (ANALYSIS_NATIVE), else the Pseudonymiser's (Node's crypto, ~2-3 µs). Both give the same bytes
 * (number-pseudonyms.spec.ts).
 */
export class NumberPseudonyms {
  private readonly inner: Buffer;
  private readonly outer: Buffer;
  private readonly addon: ReturnType<typeof squidAddon>;

  constructor(
    private readonly pseudonymiser: Pseudonymiser,
    native: boolean,
  ) {
    ({ inner: this.inner, outer: this.outer } = pseudonymiser.pads());
    this.addon = native ? squidAddon() : null;
  }

  /** Whether the native code makes them. */
  get native(): boolean {
    return this.addon !== null;
  }

  /**
   * Writes the pseudonym of number keys[i] (its E.164 digits as an integer) at out[(i - from) * 64] for i in
   * [from, to). Throws a RangeError on a key that is not a positive safe integer, or too small an `out`.
   */
  write(keys: Float64Array, from: number, to: number, out: Buffer): void {
    if (this.addon) return this.addon.pseudonyms(this.inner, this.outer, keys, from, to, out);
    if (!(from >= 0 && to >= from && to <= keys.length && out.length >= (to - from) * PSEUDONYM_BYTES))
      throw new RangeError('pseudonyms: bad arguments');
    for (let i = from; i < to; i++) {
      const k = keys[i];
      if (!(k >= 1 && Number.isSafeInteger(k))) throw new RangeError('pseudonyms: not an E.164 number key');
      out.write(this.pseudonymiser.pseudonym('+' + k), (i - from) * PSEUDONYM_BYTES, 'latin1');
    }
  }
}
