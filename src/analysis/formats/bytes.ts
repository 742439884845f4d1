/*
 * Byte-level twins of the string helpers in log-record.ts, for parsers that read fields straight off a
 * chunk of the file. Each gives exactly what its string twin gives on the same bytes decoded as latin1
 * (one char per byte, so offsets are the same): the spec runs both on the same input.
 */
import { LogRecord } from './log-record';

/** The bytes `[start, end)` as a string, one char per byte. */
export function latin1(b: Buffer, start: number, end: number): string {
  // Buffer's own latin1Slice: toString('latin1', ...) costs twice as much on short values (argument
  // checks, encoding lookup), and this runs once or twice per line
  return (b as unknown as Latin1Slice).latin1Slice(start, end);
}
interface Latin1Slice {
  latin1Slice(start: number, end: number): string;
}

/**
 * `Math.round(Number(text) * 1000)` for epoch seconds: `digits[.ddd]` is read from the bytes (exact:
 * 12 digits and 3 decimals stay far from a rounding boundary); anything else goes through Number().
 */
export function epochMsOf(b: Buffer, start: number, end: number): number {
  let i = start;
  let secs = 0;
  while (i < end && i - start < 12) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) break;
    secs = secs * 10 + d;
    i++;
  }
  if (i > start) {
    if (i === end) return secs * 1000;
    if (b[i] === 46 /* . */ && end - i <= 4) {
      let ms = 0;
      let k = 0;
      for (i++; i < end; i++, k++) {
        const d = b[i] - 48;
        if (d < 0 || d > 9) break;
        ms = ms * 10 + d;
      }
      if (i === end) return secs * 1000 + (k === 1 ? ms * 100 : k === 2 ? ms * 10 : ms);
    }
  }
  return Math.round(Number(latin1(b, start, end)) * 1000);
}

/** True when `b[i, i + word.length)` is `word` (lower-case ASCII letters) in any case. */
function wordAt(b: Buffer, i: number, end: number, word: readonly number[]): boolean {
  if (i + word.length > end) return false;
  for (let k = 0; k < word.length; k++) if ((b[i + k] | 32) !== word[k]) return false;
  return true;
}
const DENIED = [...'denied'].map((c) => c.charCodeAt(0));
const HIT = [...'hit'].map((c) => c.charCodeAt(0));

/**
 * `outcomeOfResultCode` on bytes: DENIED anywhere, else HIT anywhere, in any case. (`| 32` folds only
 * ASCII letters onto these; no latin1 character upper-cases to an ASCII letter but ß, to SS.)
 */
export function outcomeOfBytes(b: Buffer, start: number, end: number): LogRecord['outcome'] {
  let hit = false;
  for (let i = start; i < end; i++) {
    const c = b[i] | 32;
    if (c === 100 /* d */ && wordAt(b, i, end, DENIED)) return 'denied';
    if (c === 104 /* h */ && !hit && wordAt(b, i, end, HIT)) hit = true;
  }
  return hit ? 'cache_hit' : 'forwarded';
}

/** `hostOf` on bytes: finds the host's bounds the same way and decodes only the host. */
export function hostOfBytes(b: Buffer, from: number, to: number): string {
  let start = from;
  for (let i = from; i + 2 < to; i++)
    if (b[i] === 58 /* : */ && b[i + 1] === 47 && b[i + 2] === 47) {
      start = i + 3;
      break;
    }
  let end = to;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
  }
  for (let i = end - 1; i >= start; i--)
    if (b[i] === 64 /* @ */) {
      start = i + 1;
      break;
    }
  if (start < to && b[start] === 91 /* [ */) {
    for (let i = start + 1; i < end; i++)
      if (b[i] === 93 /* ] */) return latin1(b, start, i + 1).toLowerCase(); // IPv6 literal
    return '';
  }
  for (let i = start; i < end; i++)
    if (b[i] === 58 /* : */) {
      end = i;
      break;
    }
  if (end > start && b[end - 1] === 46 /* . */) end--;
  if (end <= start) return '';
  if (end - start === 1 && b[start] === 45 /* - */) return '';
  return latin1(b, start, end).toLowerCase();
}
