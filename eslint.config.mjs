import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/**
 * The import plan: which module of src/ may import which. Dependencies point inward (docs/CONTRIBUTING.md):
 * platform knows no domain; a feature reaches another only through that module's exported service or port.
 * A new edge is a design decision: add it here, in the same change, and say why in the review.
 */
export const ALLOWED_EDGES = {
  platform: [],
  channels: ['platform'],
  audit: ['platform'],
  subscribers: ['platform', 'audit'],
  sandbox: ['platform', 'channels'],
  // identity -> notifications: customer sign-in codes are queued through the outbox (issue 18, F8)
  identity: ['platform', 'channels', 'audit', 'subscribers', 'notifications'],
  analysis: ['platform', 'audit', 'subscribers'],
  notifications: ['platform', 'channels', 'audit', 'subscribers'],
  compensation: ['platform', 'audit', 'subscribers', 'notifications'],
  'number-change': ['platform', 'audit', 'subscribers', 'notifications', 'identity', 'sandbox'],
  incidents: ['platform', 'audit', 'identity', 'notifications', 'subscribers'],
  'status-page': ['platform', 'subscribers', 'identity', 'notifications', 'incidents', 'analysis'],
  // My account and "Not you?": pages over the customer-facing services (and status-page's renderer)
  account: ['platform', 'subscribers', 'identity', 'notifications', 'incidents', 'analysis', 'compensation', 'number-change', 'status-page'],
  // the staff console's read models: they gather what the feature modules export
  approvals: ['platform', 'identity', 'notifications', 'compensation', 'number-change', 'incidents'],
  support: ['platform', 'audit', 'subscribers', 'analysis', 'notifications', 'compensation', 'number-change'],
};
const MODULES = Object.keys(ALLOWED_EDGES);
// The commands wire everything together, as the composition root (src/*.ts, not an element: unchecked) does.
const TOP = ['cli'];

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-output/**', 'bench/out/**', '*.js', '*.mjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through platform/config (AppConfig).',
        },
      ],
    },
  },
  {
    files: [
      'src/platform/config/**',
      'src/platform/database/data-source.ts',
      'test/**',
      'bench/**',
      'src/cli/**',
      'console/vite.config.mts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  { files: ['test/**', 'bench/**'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    // Request bodies are typed objects (`const body: Body<'XDto'> = {...}`) so tsc refuses a field the API
    // does not take. A conditional spread or an `as` cast hides such a field from the check (issue 15: the
    // console sent `commsLeadId` and every "Open an incident" with a comms lead failed): write `x: c ? v : undefined`.
    files: ['console/src/**/*.tsx', 'console/src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ObjectExpression > SpreadElement > ConditionalExpression',
          message: 'A conditional spread skips the excess-property check: write `field: cond ? value : undefined`.',
        },
        {
          selector: "Property[key.name=/^(body|query)$/] > TSAsExpression",
          message: 'Type the request instead of casting it (Body<\'XDto\'>), so tsc checks every field against the API.',
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { project: './tsconfig.json' } },
      'boundaries/elements': [
        { type: 'cli', pattern: 'src/cli' },
        ...MODULES.map((m) => ({ type: m, pattern: `src/${m}` })),
      ],
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            ...TOP.map((t) => ({
              from: { element: { type: t } },
              allow: { to: { element: { types: { anyOf: [...TOP, ...MODULES] } } } },
            })),
            ...MODULES.map((m) => ({
              from: { element: { type: m } },
              allow: { to: { element: { types: { anyOf: [m, ...ALLOWED_EDGES[m]] } } } },
            })),
          ],
        },
      ],
    },
  },
);
