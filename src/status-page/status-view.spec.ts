import type { PublicIncident } from '../incidents/incidents.service';
import { atomFeed, statusJson } from './feeds';
import { byImpactThenRecency, formatTime, incidentView, overallIndicator, pageView } from './status-view';

const s = {
  status: {
    investigating: 'Investigating',
    identified: 'Identified',
    monitoring: 'Monitoring',
    resolved: 'Resolved',
  },
  impact: { none: 'None', minor: 'Minor', major: 'Major', critical: 'Critical' },
  statusBackFrom: 'Status moved back from',
};
const at = (iso: string) => new Date(iso);

function incident(extra: Partial<PublicIncident> = {}): PublicIncident {
  return {
    id: 'i1',
    title: 'Leak <b>',
    titleCy: null,
    summary: '',
    summaryCy: null,
    advice: '',
    adviceCy: null,
    impact: 'major',
    status: 'investigating',
    detectedAt: at('2025-11-25T08:00:00Z'),
    resolvedAt: null,
    affectedServices: ['web'],
    affectedServicesCy: null,
    personalDataBreach: false,
    helpBlocks: [],
    nextUpdateBy: at('2025-11-25T10:00:00Z'),
    lastPublishedAt: at('2025-11-25T09:30:00Z'),
    updates: [
      {
        id: 'u1',
        incidentStatus: 'investigating',
        statusBackFrom: null,
        body: 'First & early',
        bodyCy: 'Cyntaf',
        publishedAt: at('2025-11-25T09:00:00Z'),
        nextUpdateBy: null,
        corrections: [],
      },
      {
        id: 'u2',
        incidentStatus: 'identified',
        statusBackFrom: null,
        body: 'Second',
        bodyCy: null,
        publishedAt: at('2025-11-25T09:10:00Z'),
        nextUpdateBy: at('2025-11-25T10:00:00Z'),
        corrections: [
          { id: 'c1', body: 'Second, corrected', bodyCy: null, publishedAt: at('2025-11-25T09:30:00Z') },
        ],
      },
    ],
    ...extra,
  };
}

describe('status view', () => {
  it('formats times in UK local time, in the reader’s language', () => {
    expect(formatTime(at('2025-07-01T13:05:00Z'), 'en').text).toBe('Tuesday 1 July at 14:05 BST');
    expect(formatTime(at('2025-11-25T14:00:00Z'), 'cy').text).toContain('Dydd Mawrth');
  });

  it('lists updates newest first, folds corrections in and marks untranslated text', () => {
    const v = incidentView(incident(), 'cy', s);
    expect(v.updates.map((u) => u.id)).toEqual(['u2', 'u1']);
    expect(v.updates[0]).toMatchObject({ body: 'Second, corrected', lang: 'en', untranslated: true });
    expect(v.updates[0].corrected?.iso).toBe('2025-11-25T09:30:00.000Z');
    expect(v.updates[0].earlierVersions).toEqual([{ body: 'Second', published: expect.any(Object) }]);
    expect(v.updates[1]).toMatchObject({ body: 'Cyntaf', lang: 'cy', untranslated: false, corrected: null });
    expect(v.titleLang).toBe('en'); // no Welsh title: shown in English, marked as such
  });

  it('writes the year when it is not the reader’s current year', () => {
    const d = at('2025-11-24T10:00:00Z');
    expect(formatTime(d, 'en', at('2026-01-02T10:00:00Z')).text).toBe(
      'Monday, 24 November 2025 at 10:00 GMT',
    );
    expect(formatTime(d, 'en', at('2025-12-02T10:00:00Z')).text).toBe('Monday 24 November at 10:00 GMT');
    expect(formatTime(d, 'cy', at('2026-01-02T10:00:00Z')).text).toContain('2025');
  });

  it('says the next update is late once its promise lapsed, until the next one', () => {
    const before = incidentView(incident(), 'en', s, at('2025-11-25T09:59:00Z'));
    expect(before.late).toBeNull();
    expect(before.nextUpdateBy?.iso).toBe('2025-11-25T10:00:00.000Z');
    const after = incidentView(incident(), 'en', s, at('2025-11-25T10:01:00Z'));
    expect(after.nextUpdateBy).toBeNull();
    expect(after.late?.text).toBe('Tuesday 25 November at 10:00 GMT');
    expect(
      incidentView(incident({ status: 'resolved' }), 'en', s, at('2025-11-26T00:00:00Z')).late,
    ).toBeNull();
  });

  it('shows a move back of the status as such, and Welsh service names to Welsh readers', () => {
    const i = incident({ affectedServicesCy: ['pori’r we'] });
    i.updates[1].statusBackFrom = 'monitoring';
    const v = incidentView(i, 'cy', s);
    expect(v.updates[0].statusBack).toBe('Status moved back from Monitoring');
    expect(v.updates[1].statusBack).toBeNull();
    expect(v.affectedServices).toBe('pori’r we');
    expect(incidentView(i, 'en', s).affectedServices).toBe('web');
  });

  it('orders incidents by impact, then recency, and shows only the help that applies', () => {
    const minorNew = incident({ id: 'a', impact: 'minor', detectedAt: at('2025-11-26T08:00:00Z') });
    const majorOld = incident({ id: 'b', impact: 'major', helpBlocks: ['affected', 'offers'] });
    const majorNew = incident({ id: 'c', impact: 'major', detectedAt: at('2025-11-25T09:00:00Z') });
    expect(byImpactThenRecency([minorNew, majorOld, majorNew]).map((i) => i.id)).toEqual(['c', 'b', 'a']);
    expect(pageView([minorNew], 'en', s).help).toEqual({
      affected: false,
      offers: false,
      numberChange: false,
    });
    expect(pageView([minorNew, majorOld], 'en', s).help).toEqual({
      affected: true,
      offers: true,
      numberChange: false,
    });
  });

  it('reports the worst open impact', () => {
    expect(overallIndicator([])).toBe('none');
    expect(overallIndicator([incident(), incident({ impact: 'critical', status: 'resolved' })])).toBe(
      'major',
    );
  });
});

describe('feeds', () => {
  it('summarise like Statuspage, with the corrected text in force', () => {
    const j = statusJson([incident()], 'https://x', 'T');
    expect(j.status.indicator).toBe('major');
    expect(j.page.updated_at).toBe('2025-11-25T09:30:00.000Z');
    expect(j.incidents[0].incident_updates[0]).toMatchObject({
      id: 'u2',
      body: 'Second, corrected',
      corrected_at: '2025-11-25T09:30:00.000Z',
    });
  });

  it('escape text in Atom and order entries newest first', () => {
    const xml = atomFeed([incident()], 'https://x', 'T');
    expect(xml).toContain('<title>Leak &lt;b&gt;: investigating</title>');
    expect(xml).toContain('First &amp; early');
    const ids = [...xml.matchAll(/<id>urn:uuid:(\w+)<\/id>/g)].map((m) => m[1]);
    expect(ids).toEqual(['c1', 'u2', 'u1']);
  });
});
