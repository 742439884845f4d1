import { createElffParser } from './elff';
import { createJsonlParser } from './jsonl';
import { LineParser, LogFormat } from './log-record';
import { createSquidParser } from './squid';

export * from './log-record';
export { DEFAULT_SQUID_LOGFORMAT } from './squid';

export interface ParserOptions {
  allowlist: ReadonlySet<string>;
  squidLogformat?: string;
}

export function createParser(format: LogFormat, o: ParserOptions): LineParser {
  switch (format) {
    case 'squid':
      return createSquidParser(o.allowlist, o.squidLogformat);
    case 'elff':
      return createElffParser(o.allowlist);
    case 'jsonl':
      return createJsonlParser(o.allowlist);
  }
}

/**
 * Guesses the format from the first non-blank lines of a file (already decompressed). Returns 'empty'
 * for a file with nothing in it and null when no format fits (the caller reports a clear error).
 */
export function sniffFormat(head: string): LogFormat | 'empty' | null {
  const lines = head.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return 'empty';
  const first = lines[0];
  if (/^#(?:Fields|Software|Version|Date|Remark|Start-Date):/i.test(first)) return 'elff';
  if (/^\s*\{/.test(first)) return isJsonObject(first) ? 'jsonl' : null; // a pretty-printed .json is not a log
  if (/^\d{9,11}(?:\.\d{1,6})?\s/.test(first)) return 'squid';
  return null;
}

function isJsonObject(line: string): boolean {
  try {
    const v = JSON.parse(line);
    return !!v && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}
