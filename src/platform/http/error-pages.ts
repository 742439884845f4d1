/**
 * How the error filter answers a browser: a module that renders pages registers an implementation; the
 * platform knows no templates. A request is a browser's when it asks for text/html (API clients, curl and
 * tests without an Accept header keep the JSON error shape).
 */
export abstract class ErrorPages {
  /** An HTML answer for this error, or a redirect (e.g. to a sign-in page); null keeps the JSON shape. */
  abstract answer(
    req: {
      url?: string;
      originalUrl?: string;
      method?: string;
      headers: Record<string, string | string[] | undefined>;
    },
    statusCode: number,
    requestId: string | undefined,
  ): { html: string } | { redirect: string } | null;
}

export function wantsHtml(accept: string | string[] | undefined): boolean {
  const a = Array.isArray(accept) ? accept.join(',') : (accept ?? '');
  if (!a.includes('text/html')) return false;
  const json = a.indexOf('application/json');
  return json < 0 || a.indexOf('text/html') < json;
}
