/**
 * A URL as it may be logged: the path, and the query's names with their values replaced (subscription
 * tokens, emails and numbers travel in query strings). `/a?token=abc&x=1` → `/a?token=[redacted]&x=[redacted]`.
 */
export function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  const q = url.indexOf('?');
  if (q < 0) return url;
  const names = url
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => `${pair.split('=')[0]}=[redacted]`);
  return `${url.slice(0, q)}?${names.join('&')}`;
}

/** The same for a parsed query object: its keys stay, its values go. */
export function redactQuery(query: unknown): unknown {
  if (!query || typeof query !== 'object') return query;
  return Object.fromEntries(Object.keys(query).map((k) => [k, '[redacted]']));
}
