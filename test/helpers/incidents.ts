import { TestApp } from './app';

/** Opens an incident (a personal-data breach unless overridden) as comms and publishes a first update approved by a supervisor; returns their ids. */
export async function openIncidentWithUpdate(
  t: TestApp,
  tokens: Record<string, string>,
  overrides: Record<string, unknown> = {},
  update: Record<string, unknown> = { template: 'investigating' },
) {
  const incident = await t
    .http()
    .post('/incidents')
    .auth(tokens.comms, { type: 'bearer' })
    .send({
      title: 'Mobile numbers shared with websites',
      titleCy: 'Rhifau ffôn symudol wedi’u rhannu â gwefannau',
      impact: 'major',
      detectedAt: new Date(Date.now() - 3600_000).toISOString(),
      affectedServices: ['mobile web browsing'],
      advice: 'Be wary of unexpected calls and texts.',
      adviceCy: 'Byddwch yn wyliadwrus o alwadau a negeseuon annisgwyl.',
      personalDataBreach: true,
      ...overrides,
    })
    .expect(201);
  const updateId = await publishUpdate(t, tokens, incident.body.id, update);
  return { incidentId: incident.body.id as string, updateId };
}

export async function publishUpdate(
  t: TestApp,
  tokens: Record<string, string>,
  incidentId: string,
  update: Record<string, unknown>,
): Promise<string> {
  const draft = await t
    .http()
    .post(`/incidents/${incidentId}/updates`)
    .auth(tokens.comms, { type: 'bearer' })
    .send(update)
    .expect(201);
  await t
    .http()
    .post(`/incidents/${incidentId}/updates/${draft.body.id}/approve`)
    .auth(tokens.supervisor, { type: 'bearer' })
    .expect(200);
  await t
    .http()
    .post(`/incidents/${incidentId}/updates/${draft.body.id}/publish`)
    .auth(tokens.comms, { type: 'bearer' })
    .expect(200);
  return draft.body.id;
}

/** Drafts an update as comms, approves it as a supervisor and schedules it for `publishAt`; returns its id. */
export async function scheduleUpdate(
  t: TestApp,
  tokens: Record<string, string>,
  incidentId: string,
  publishAt: Date,
): Promise<string> {
  const d = await t
    .http()
    .post(`/incidents/${incidentId}/updates`)
    .auth(tokens.comms, { type: 'bearer' })
    .send({ body: `Update for ${publishAt.toISOString()}` })
    .expect(201);
  await t
    .http()
    .post(`/incidents/${incidentId}/updates/${d.body.id}/approve`)
    .auth(tokens.supervisor, { type: 'bearer' })
    .expect(200);
  await t
    .http()
    .post(`/incidents/${incidentId}/updates/${d.body.id}/schedule`)
    .auth(tokens.comms, { type: 'bearer' })
    .send({ publishAt: publishAt.toISOString() })
    .expect(200);
  return d.body.id;
}

/** Opens an incident (nothing published yet); returns its id. */
export async function openIncident(
  t: TestApp,
  tokens: Record<string, string>,
  title: string,
): Promise<string> {
  const res = await t
    .http()
    .post('/incidents')
    .auth(tokens.comms, { type: 'bearer' })
    .send({ title, impact: 'minor', detectedAt: new Date().toISOString() })
    .expect(201);
  return res.body.id;
}
