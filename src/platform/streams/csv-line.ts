/**
 * Parses one CSV record (RFC 4180 quoting: `"a, b"`, `""` for a quote). Returns null for an unterminated
 * quote. Records spanning lines are not supported: a subscriber export has none, and a stray quote
 * should reject one row, not swallow the rest of the file.
 */
export function parseCsvLine(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) return null;
        value += line.slice(j, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      out.push(value);
      if (j >= n) return out;
      if (line.charCodeAt(j) !== 44 /* , */) return null;
      i = j + 1;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}
