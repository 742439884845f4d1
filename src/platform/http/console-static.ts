import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths';

/** Where `vite build` writes the staff console (see console/vite.config.ts). */
export const CONSOLE_DIST = join(projectRoot(), 'dist', 'console');

/** Hashed file names change with their content, so a browser may keep them for a year. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The staff console at /console: static files (hashed assets cached for a year, index.html revalidated on
 * every load so a deploy is picked up) and a fallback to index.html for the single-page app's own routes
 * (/console/incidents/<id> opened from a reminder email). These are files, not API routes: the page holds
 * no data until the signed-in user's API calls bring it.
 */
export function serveConsole(app: NestExpressApplication, dir = CONSOLE_DIST): void {
  const index = join(dir, 'index.html');
  const headers = (res: Response) => {
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Content-Type-Options', 'nosniff');
  };
  app.useStaticAssets(dir, {
    prefix: '/console',
    index: false,
    fallthrough: true,
    setHeaders: (res, path) => {
      headers(res as unknown as Response);
      res.setHeader('Cache-Control', /[/\\]assets[/\\]/.test(path) ? IMMUTABLE : 'no-cache');
    },
  });
  app.use(['/console', '/console/*path'], (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path.startsWith('/assets/')) return next(); // a missing asset is a 404, not the page
    headers(res);
    res.setHeader('Cache-Control', 'no-cache');
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The staff console is not built: run npm run build.');
      return;
    }
    res.sendFile(index);
  });
  app.use('/login', (req: Request, res: Response, next: NextFunction) =>
    req.method === 'GET' && req.path === '/' ? res.redirect(302, '/console/login') : next(),
  );
}
