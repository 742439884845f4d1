import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from './helpers/app';
import { withAdmin } from './helpers/pg';

const CLI = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');

jest.setTimeout(180_000);

/** The README's main command, as a newcomer runs it (`demo --once --json`), on a database it creates itself. */
describe('the demo', () => {
  const db = `candor_demo_${randomBytes(4).toString('hex')}`;
  afterAll(() => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)));

  it('plays the whole story on the samples and prints one JSON summary', async () => {
    const port = await freePort();
    const logFile = join(
      __dirname,
      '..',
      'test-output',
      'logs',
      `demo-${randomBytes(3).toString('hex')}.log`,
    );
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'demo', '--once', '--json', '--port', String(port)], {
        env: {
          ...process.env,
          DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${db}`,
          QUEUE_PREFIX: `demo${randomBytes(4).toString('hex')}`,
          LOG_FILE: logFile, // scanned for unmasked numbers by the suite's privacy check
          TWILIO_ACCOUNT_SID: '',
          SMTP_URL: '',
          PROVISIONING_URL: '',
        },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    expect({ code, stderr: code === 0 ? '' : stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1); // stdout carries the summary only
    const s = JSON.parse(lines[0]);
    expect(s.admin).toMatchObject({ email: 'admin@candor.test', created: true });
    expect(s.console.url).toBe(`http://localhost:${port}/console`);
    expect(s.console.users.map((u: any) => [u.role, u.email, u.password])).toEqual(
      ['admin', 'comms', 'supervisor', 'support'].map((r) => [r, `${r}@candor.test`, s.admin.password]),
    );
    expect(s.analysis.matchedSubscribers).toBeGreaterThan(0);
    expect(s.incident.statusPageUrl).toContain(`:${port}/status/incidents/`);
    const { status, audience, totals } = s.notifications;
    expect(status).toBe('completed');
    expect(audience).toBe(s.analysis.matchedSubscribers);
    expect(s.notifications.verifyExample).toMatch(/\/verify\?code=/);
    // the demo's incident is a personal-data breach whose notice carries every Annex II item, in both languages
    expect(s.incident.personalDataBreach).toBe(true);
    expect(s.notifications.annexII).toEqual({ complete: true, items: 9, missing: [] });
    expect(s.notifications.welshMissing).toEqual([]);
    expect((totals.sent ?? 0) + (totals.delivered ?? 0)).toBeGreaterThanOrEqual(audience);
    expect(s.compensation).toMatchObject({ claims: 1, confirmationSms: true, ledgerBalanced: true });
    expect(s.compensation.noticesSent).toBe(audience);
    expect(s.numberChange).toMatchObject({ state: 'completed', confirmations: { sms: 6, email: 5 } });
    // a customer did each journey through the pages only
    expect(s.customerPages).toMatchObject({
      signedInWithTextedCode: true,
      exposureShown: true,
      offerClaimed: true,
      secondClickAlreadyClaimed: true,
      numberChange: 'completed',
      numberChangePageSaysDone: true,
      notMe: { reportPage: 200, requestHeld: true },
      verifyLinkPage: { status: 200, html: true },
    });
    expect(s.customerPages.websitesListed).toBeGreaterThan(0);
    expect(stdout).not.toMatch(/\+447\d{9}/); // no full number in the summary
  });
});
