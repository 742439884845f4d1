import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The import plan (ALLOWED_EDGES in eslint.config.mjs) holds: `npm run lint` refuses an import that runs back up
 * or closes a cycle between modules. Each case lints one probe file, as if it were in the module, with the real
 * config and resolver.
 */
const root = join(__dirname, '..');

function lint(file: string, imports: string[]): Array<{ ruleId: string; message: string }> {
  const code = imports
    .map((i, n) => `import * as m${n} from '${i}';\nexport const x${n} = m${n};\n`)
    .join('');
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/eslint/bin/eslint.js'),
      '--format',
      'json',
      '--stdin',
      '--stdin-filename',
      file,
    ],
    { cwd: root, input: code, encoding: 'utf8' },
  );
  if (!r.stdout) throw new Error(`eslint did not answer: ${r.stderr}`);
  return JSON.parse(r.stdout)[0].messages;
}

describe('the import plan', () => {
  it.each([
    ['platform → identity', 'src/platform/health/probe.ts', '../../identity/auth.guard'],
    ['platform → a feature', 'src/platform/http/probe.ts', '../../analysis/analysis.service'],
    ['audit → identity', 'src/audit/probe.ts', '../identity/users.service'],
    ['identity → notifications', 'src/identity/probe.ts', '../notifications/notifications.service'],
    ['sandbox → notifications', 'src/sandbox/probe.ts', '../notifications/templates/template-checks'],
    ['channels → sandbox', 'src/channels/probe.ts', '../sandbox/twilio-sandbox'],
    [
      'notifications → number-change',
      'src/notifications/probe.ts',
      '../number-change/number-change-messages',
    ],
    ['compensation → analysis', 'src/compensation/probe.ts', '../analysis/analysis.service'],
  ])('refuses %s', (_edge, file, target) => {
    const messages = lint(file, [target]);
    expect(messages).toEqual([
      expect.objectContaining({
        ruleId: 'boundaries/dependencies',
        message: expect.stringMatching(/no policy allowing/),
      }),
    ]);
  });

  it('allows the edges of the table (a feature on its ports and on platform and channels)', () => {
    expect(
      lint('src/notifications/probe.ts', [
        './notifications.service',
        '../platform/http/policy.decorators',
        '../channels/sms-provider',
        '../subscribers/audience.port',
      ]),
    ).toEqual([]);
  });
});
