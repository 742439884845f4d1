import type { PublicIncident } from '../incidents/incidents.service';
import { overallIndicator } from './status-view';

/** `/status.json`: a Statuspage-like summary (same field names, so existing tooling can read it). */
export function statusJson(incidents: PublicIncident[], baseUrl: string, title: string) {
  const indicator = overallIndicator(incidents);
  const latest = incidents.reduce((t, i) => Math.max(t, i.lastPublishedAt.getTime()), 0);
  return {
    page: {
      name: title,
      url: `${baseUrl}/status`,
      updated_at: latest ? new Date(latest).toISOString() : null,
    },
    status: {
      indicator,
      description:
        indicator === 'none' ? 'All Systems Operational' : `${cap(indicator)} incident in progress`,
    },
    incidents: incidents.map((i) => ({
      id: i.id,
      name: i.title,
      status: i.status,
      impact: i.impact,
      created_at: i.detectedAt.toISOString(),
      updated_at: i.lastPublishedAt.toISOString(),
      resolved_at: i.resolvedAt?.toISOString() ?? null,
      shortlink: `${baseUrl}/status/incidents/${i.id}`,
      next_update_by: i.nextUpdateBy?.toISOString() ?? null,
      affected_services: i.affectedServices,
      incident_updates: [...i.updates].reverse().map((u) => {
        const current = u.corrections[u.corrections.length - 1];
        return {
          id: u.id,
          status: u.incidentStatus,
          body: current?.body ?? u.body,
          created_at: u.publishedAt.toISOString(),
          display_at: u.publishedAt.toISOString(),
          corrected_at: current?.publishedAt.toISOString() ?? null,
          next_update_by: u.nextUpdateBy?.toISOString() ?? null,
        };
      }),
    })),
  };
}

/** An Atom feed (RFC 4287) with one entry per published update or correction, newest first. */
export function atomFeed(incidents: PublicIncident[], baseUrl: string, title: string): string {
  const entries = incidents.flatMap((i) =>
    i.updates.flatMap((u) => [
      { id: u.id, incident: i, at: u.publishedAt, label: `${i.title}: ${u.incidentStatus}`, body: u.body },
      ...u.corrections.map((c) => ({
        id: c.id,
        incident: i,
        at: c.publishedAt,
        label: `${i.title}: correction`,
        body: c.body,
      })),
    ]),
  );
  entries.sort((a, b) => b.at.getTime() - a.at.getTime());
  const updated = (entries[0]?.at ?? new Date(0)).toISOString();
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <title>${xml(title)}</title>`,
    `  <id>${xml(baseUrl)}/status</id>`,
    `  <link rel="alternate" type="text/html" href="${xml(baseUrl)}/status"/>`,
    `  <link rel="self" type="application/atom+xml" href="${xml(baseUrl)}/status/feed.atom"/>`,
    `  <updated>${updated}</updated>`,
    `  <author><name>${xml(title)}</name></author>`,
    ...entries.map((e) =>
      [
        '  <entry>',
        `    <id>urn:uuid:${e.id}</id>`,
        `    <title>${xml(e.label)}</title>`,
        `    <link rel="alternate" type="text/html" href="${xml(baseUrl)}/status/incidents/${e.incident.id}"/>`,
        `    <updated>${e.at.toISOString()}</updated>`,
        `    <published>${e.at.toISOString()}</published>`,
        `    <content type="text">${xml(e.body)}</content>`,
        '  </entry>',
      ].join('\n'),
    ),
    '</feed>',
    '',
  ];
  return lines.join('\n');
}

function xml(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}

function cap(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}
