import { MESSAGE_KINDS } from '../src/notifications/message-kinds';
import { TemplateRegistry } from '../src/notifications/templates/template-registry';
import { LOCALES } from '../src/platform/locales';
import { SubscriptionsService } from '../src/status-page/subscriptions.service';
import { startTestApp, TestApp } from './helpers/app';
import { openIncidentWithUpdate } from './helpers/incidents';
import { browserAgent } from './helpers/pages';
import { staffTokens } from './helpers/staff';

/**
 * Every link in every message lands on a real page: each SMS and email template, in English and Welsh,
 * rendered with its sample variables (ids made real: an incident, a subscription), and each link in it
 * requested as a phone's browser would. Expected: 200 with an HTML page, or the documented redirect of My
 * account's pages to their sign-in page; never JSON, never a 404.
 */
describe('every link Candor sends', () => {
  let t: TestApp;
  let vars: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    const { tokens } = await staffTokens(t, ['comms', 'supervisor']);
    const { incidentId } = await openIncidentWithUpdate(t, tokens as Record<string, string>);
    const subs = t.get<SubscriptionsService>(SubscriptionsService);
    const sub = await subs.subscribe(incidentId, 'email', 'links@example.com', 'en', '203.0.113.50');
    const base = t.env.PUBLIC_BASE_URL;
    vars = {
      statusUrl: `${base}/status/incidents/${incidentId}`,
      incidentUrl: `${base}/status/incidents/${incidentId}`, // breach notices link to their incident
      staffUrl: `${base}/console/incidents/${incidentId}`, // staff reminders: the console's page
      confirmUrl: `${base}/status/subscriptions/${sub.id}/confirm?token=abc`,
      unsubscribeUrl: subs.unsubscribeUrl(sub.id!),
    };
  });
  afterAll(() => t?.close());

  function renderedLinks(): Array<{ where: string; url: string }> {
    const registry = t.get<TemplateRegistry>(TemplateRegistry);
    const base = t.env.PUBLIC_BASE_URL;
    const out: Array<{ where: string; url: string }> = [];
    for (const [kind, k] of Object.entries(MESSAGE_KINDS))
      for (const channel of k.channels)
        for (const locale of LOCALES) {
          const sample = registry.sampleVars(kind);
          const real = Object.fromEntries(
            Object.keys(vars)
              .filter((v) => v in sample)
              .map((v) => [v, vars[v]]),
          );
          const r = registry.render(kind, locale, channel, { ...sample, ...real });
          const text = [r.text, r.html ?? ''].join('\n');
          for (const m of text.matchAll(/https?:\/\/[^\s<>"')]+/g)) {
            const url = m[0].replace(/[.,;:]+$/, '');
            if (url.startsWith(base))
              out.push({ where: `${channel}/${kind}.${locale}`, url: url.slice(base.length) || '/' });
          }
        }
    return out;
  }

  it('finds links in the templates (the checker checks something)', () => {
    const links = renderedLinks();
    expect(links.length).toBeGreaterThan(60);
    const paths = new Set(links.map((l) => l.url.split('?')[0].replace(/[0-9a-f-]{36}/g, ':id')));
    for (const p of [
      '/not-me',
      '/status',
      '/verify/7K2Q-M9XA3B',
      '/account/offers',
      '/status/subscriptions/:id/unsubscribe',
    ])
      expect(paths).toContain(p);
  });

  it('requests every link: an HTML page (or the sign-in redirect), never JSON, never a 404', async () => {
    const failures: string[] = [];
    const seen = new Map<string, string>();
    for (const { where, url } of renderedLinks()) {
      const path = url.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
      let verdict = seen.get(path);
      if (!verdict) {
        const res = await browserAgent(t).get(path);
        const type = String(res.headers['content-type'] ?? '');
        if (res.status === 303)
          verdict = /^\/account\/sign-in/.test(res.headers.location)
            ? 'ok'
            : `303 to ${res.headers.location}`;
        else verdict = res.status === 200 && type.startsWith('text/html') ? 'ok' : `${res.status} ${type}`;
        seen.set(path, verdict);
      }
      if (verdict !== 'ok') failures.push(`${where}: ${path} → ${verdict}`);
    }
    expect(failures).toEqual([]);
    expect(seen.size).toBeGreaterThan(8);
  });
});
