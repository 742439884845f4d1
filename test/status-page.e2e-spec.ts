import { StatusPageCache } from '../src/status-page/status-cache';
import { startTestApp, TestApp } from './helpers/app';
import { openIncidentWithUpdate, publishUpdate } from './helpers/incidents';
import { withAdmin } from './helpers/pg';
import { staffTokens } from './helpers/staff';

describe('status page: pages, feeds, cache', () => {
  let t: TestApp;
  let tokens: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    ({ tokens } = await staffTokens(t));
  });
  afterAll(() => t?.close());

  it('says all is well before anything is published, and hides unpublished incidents', async () => {
    await t
      .http()
      .post('/incidents')
      .auth(tokens.comms, { type: 'bearer' })
      .send({ title: 'Secret draft incident', impact: 'minor', detectedAt: new Date().toISOString() })
      .expect(201);
    const res = await t.http().get('/status').expect(200);
    expect(res.text).toContain('All services are running normally.');
    expect(res.text).not.toContain('Secret draft incident');
    const json = (await t.http().get('/status.json').expect(200)).body;
    expect(json.status.indicator).toBe('none');
    expect(json.incidents).toEqual([]);
  });

  describe('with a published incident', () => {
    let incidentId: string;
    let updateId: string;

    beforeAll(async () => {
      ({ incidentId, updateId } = await openIncidentWithUpdate(
        t,
        tokens,
        {},
        {
          body: 'We are investigating reports that websites received customers’ mobile numbers.',
          bodyCy: 'Rydym yn ymchwilio i adroddiadau bod gwefannau wedi cael rhifau ffôn symudol cwsmeriaid.',
        },
      ));
    });

    it('renders the incident, its timeline and the next-update promise, in English and Welsh', async () => {
      const en = (await t.http().get('/status').expect(200)).text;
      expect(en).toContain('<html lang="en">');
      expect(en).toContain('Mobile numbers shared with websites');
      expect(en).toContain('We are investigating reports');
      expect(en).toMatch(/Next update by<\/strong> <time datetime="[^"]+Z">/);
      expect(en.replaceAll('&#x3D;', '=')).toContain('href="/status?lang=cy" lang="cy"'); // handlebars escapes "="

      expect(en).toContain('action="/verify"'); // "is this message genuine?" lookup
      expect(en).toContain('id="affected"');

      const cy = (await t.http().get('/status?lang=cy').expect(200)).text;
      expect(cy).toContain('<html lang="cy">');
      expect(cy).toContain('Rhifau ffôn symudol wedi’u rhannu â gwefannau');
      expect(cy).toContain('Rydym yn ymchwilio i adroddiadau');
      expect(cy).toContain('Y diweddariad nesaf erbyn');
      await t.http().get('/status?lang=fr').expect(400);

      const page = (await t.http().get(`/status/incidents/${incidentId}`).expect(200)).text;
      expect(page).toContain(`<li id="u-${updateId}">`);
      expect(page).toContain(`action="/status/incidents/${incidentId}/subscribe"`);
      await t.http().get('/status/incidents/00000000-0000-4000-8000-000000000000').expect(404);
    });

    it('serves ETag/304 and CDN-friendly cache headers', async () => {
      const first = await t.http().get('/status').expect(200);
      expect(first.headers['cache-control']).toBe(
        'public, max-age=5, stale-while-revalidate=60, stale-if-error=86400',
      );
      const etag = first.headers.etag;
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await t.http().get('/status').set('if-none-match', etag).expect(304);
      expect(again.text ?? '').toBe('');
      expect(again.headers.etag).toBe(etag);
      // repeat hits are answered from memory before Express (the surge path), with the same bytes
      const hits = async () =>
        Number(
          (await t.http().get('/metrics')).text.match(/candor_status_page_fast_hits_total (\d+)/)?.[1] ?? 0,
        );
      const before = await hits();
      const fast = await t.http().get('/status').expect(200);
      expect(fast.text).toBe(first.text);
      expect(fast.headers.etag).toBe(etag);
      expect(await hits()).toBe(before + 1);
      // Welsh is a different rendering
      const cy = await t.http().get('/status?lang=cy').expect(200);
      expect(cy.headers.etag).not.toBe(etag);
    });

    it('publishes a Statuspage-like JSON summary and a well-formed Atom feed', async () => {
      const json = (
        await t
          .http()
          .get('/status.json')
          .expect('content-type', /application\/json/)
          .expect(200)
      ).body;
      expect(json.status).toEqual({ indicator: 'major', description: 'Major incident in progress' });
      const inc = json.incidents.find((i: any) => i.id === incidentId);
      expect(inc).toMatchObject({
        status: 'investigating',
        impact: 'major',
        shortlink: expect.stringContaining(incidentId),
      });
      expect(new Date(inc.next_update_by).getTime()).toBeGreaterThan(Date.now());
      expect(inc.incident_updates[0]).toMatchObject({
        id: updateId,
        status: 'investigating',
        corrected_at: null,
      });

      const atom = await t
        .http()
        .get('/status/feed.atom')
        .expect('content-type', /application\/atom\+xml/)
        .expect(200);
      const xml = atom.text;
      expect(
        xml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'),
      ).toBe(true);
      expect(xml).toContain(`<id>urn:uuid:${updateId}</id>`);
      // every opened element is closed, in order (well-formedness of this simple, attribute-only-in-empty-tags feed)
      const stack: string[] = [];
      for (const [, close, name, selfClosing] of xml
        .replace(/<\?xml[^>]*\?>/, '')
        .matchAll(/<(\/?)([\w:]+)[^>]*?(\/?)>/g)) {
        if (selfClosing) continue;
        if (close) expect(stack.pop()).toBe(name);
        else stack.push(name);
      }
      expect(stack).toEqual([]);
      expect(xml).not.toMatch(/&(?!(lt|gt|amp|apos|quot);)/);
    });

    it('shows a correction as a visible revision, keeping the original text', async () => {
      const fix = await publishUpdate(t, tokens, incidentId, {
        body: 'Correction: websites received mobile numbers, not names.',
        correctsId: updateId,
      });
      const page = (await t.http().get(`/status/incidents/${incidentId}`).expect(200)).text;
      expect(page).toMatch(/Corrected at <time datetime="[^"]+">/);
      expect(page).toContain('Correction: websites received mobile numbers, not names.');
      expect(page).toContain('<details><summary>Original text, published</summary>');
      expect(page).toContain('We are investigating reports');
      const json = (await t.http().get('/status.json')).body.incidents.find((i: any) => i.id === incidentId);
      expect(json.incident_updates[0].corrected_at).toEqual(expect.any(String));
      expect((await t.http().get('/status/feed.atom')).text).toContain(`urn:uuid:${fix}`);
    });
  });

  it('invalidates every instance within a second of a publication', async () => {
    const second = await startTestAppSharing(t);
    try {
      await second.http().get('/status').expect(200); // warm its cache
      const { incidentId } = await openIncidentWithUpdate(t, tokens, { title: 'Second instance sees this' });
      const started = Date.now();
      let seen = false;
      while (!seen && Date.now() - started < 1000) {
        seen = (await second.http().get('/status')).text.includes('Second instance sees this');
        if (!seen) await new Promise((r) => setTimeout(r, 20));
      }
      expect(seen).toBe(true);
      expect(incidentId).toEqual(expect.any(String));
    } finally {
      await second.close();
    }
  });

  it('keeps serving the last rendering while PostgreSQL is unreachable', async () => {
    const name = new URL(t.dbUrl).pathname.slice(1);
    const before = await t.http().get('/status').expect(200);
    expect(before.headers['x-status-stale']).toBeUndefined();
    await withAdmin(async (c) => {
      await c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [name]);
    });
    try {
      t.get<StatusPageCache>(StatusPageCache).invalidateLocally(); // as if something changed meanwhile
      for (let i = 0; i < 3; i++) {
        const during = await t.http().get('/status').expect(200);
        expect(during.text).toBe(before.text);
        expect(during.headers['x-status-stale']).toBe('1');
      }
      await t.http().get('/status').set('if-none-match', before.headers.etag).expect(304);
    } finally {
      await withAdmin((c) => c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`));
    }
    await new Promise((r) => setTimeout(r, 1100)); // the cache retries the database at most once a second
    const after = await t.http().get('/status').expect(200);
    expect(after.headers['x-status-stale']).toBeUndefined();
  });
});

/** A second app instance on the same database and Redis prefix (a second web server behind the CDN). */
function startTestAppSharing(t: TestApp): Promise<TestApp> {
  return startTestApp({ QUEUE_PREFIX: t.env.QUEUE_PREFIX, CANDOR_ROLE: 'api' }, { dbUrl: t.dbUrl });
}
