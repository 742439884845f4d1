import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, TestApp } from './helpers/app';
import { eventually } from './helpers/customer';
import { staffTokens } from './helpers/staff';

/** Issue 18: server files for analysis (F9 links out of the input folder, F22 server paths shown to staff). */
describe('hardening: analysis input files', () => {
  let t: TestApp;
  let dir: string;
  let tokens: Record<string, string>;
  const from = new Date(Date.UTC(2025, 10, 24)).toISOString();
  const to = new Date(Date.UTC(2025, 10, 26)).toISOString();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'candor-harden-'));
    writeFileSync(join(dir, 'secret.txt'), 'root:x:0:0:root:/root:/bin/bash\n');
    const inside = mkdtempSync(join(tmpdir(), 'candor-harden-input-'));
    symlinkSync('/etc/passwd', join(inside, 'passwd.log'));
    symlinkSync(join(dir, 'secret.txt'), join(inside, 'secret.log'));
    writeFileSync(join(inside, 'empty.log'), '');
    dir = inside;
    t = await startTestApp({ ANALYSIS_INPUT_DIR: dir, ANALYSIS_WORKERS: '1' });
    ({ tokens } = await staffTokens(t));
  });
  afterAll(() => t?.close());

  const start = (files: string[], extra: object = {}) =>
    t
      .http()
      .post('/analyses')
      .auth(tokens.supervisor, { type: 'bearer' })
      .send({ files, from, to, ...extra });

  it.each(['passwd.log', 'secret.log'])(
    'F9: refuses %s, a link to a file outside the folder, even with a forced format',
    async (name) => {
      const res = await start([name], { format: 'jsonl' }).expect(400);
      expect(res.body.message).toBe(`${name}: a link to a file outside the analysis input directory`);
    },
  );

  it('F22: errors and summaries name files relative to the input folder, never by server path', async () => {
    const missing = await start(['nope.log']).expect(400);
    expect(missing.body.message).toMatch(/^nope\.log: cannot read/);
    expect(missing.body.message).not.toContain(dir);
    const run = await start(['empty.log']).expect(201);
    expect(run.body.files.map((f: { path: string }) => f.path)).toEqual(['empty.log']);
    await eventually(async () => {
      const s = await t
        .http()
        .get(`/analyses/${run.body.runId}`)
        .auth(tokens.support, { type: 'bearer' })
        .expect(200);
      return s.body.status !== 'queued' && s.body.status !== 'running';
    }, 30_000);
    const report = await t
      .http()
      .get(`/analyses/${run.body.runId}/report`)
      .auth(tokens.support, { type: 'bearer' })
      .expect(200);
    expect(report.text).not.toContain(dir);
    expect(report.text).not.toContain(tmpdir());
  });
});
