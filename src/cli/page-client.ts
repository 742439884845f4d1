/**
 * A tiny browser stand-in for the demo: keeps cookies, posts forms with the page's own form token, and
 * never follows redirects by itself (the demo checks where they go). Uses Node's fetch.
 */
export class PageClient {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  async get(path: string): Promise<{ status: number; html: string; location: string | null }> {
    return this.send(path, { method: 'GET' });
  }

  /** Posts `fields` plus the form token found in `fromHtml` (the page the form was on). */
  async post(path: string, fields: Record<string, string>, fromHtml: string) {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(fromHtml)?.[1] ?? '';
    const body = new URLSearchParams({ ...fields, _csrf: csrf }).toString();
    return this.send(path, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  private async send(
    path: string,
    init: { method: string; body?: string; headers?: Record<string, string> },
  ) {
    const res = await fetch(this.base + path, {
      ...init,
      redirect: 'manual',
      headers: {
        ...init.headers,
        accept: 'text/html',
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      if (v) this.cookies.set(k, v);
      else this.cookies.delete(k);
    }
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  }
}
