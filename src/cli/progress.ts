/** `[#####.....]  52%  210.0 MB/400.0 MB  1.21M lines/s  ETA 3s`: one line, rewritten in place on stderr. */
export function progressLine(
  bytesDone: number,
  bytesTotal: number,
  lines: number,
  elapsedMs: number,
  width = 24,
): string {
  const frac = bytesTotal > 0 ? Math.min(1, bytesDone / bytesTotal) : 1;
  const filled = Math.round(frac * width);
  const secs = Math.max(elapsedMs, 1) / 1000;
  const rate = lines / secs;
  const eta = frac > 0 && frac < 1 ? Math.ceil(secs / frac - secs) : 0;
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  const lps =
    rate >= 1e6
      ? `${(rate / 1e6).toFixed(2)}M`
      : rate >= 1e3
        ? `${(rate / 1e3).toFixed(1)}k`
        : `${Math.round(rate)}`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(frac * 100)).padStart(3)}%  ${mb(bytesDone)}/${mb(bytesTotal)}  ${lps} lines/s  ETA ${eta}s`;
}
