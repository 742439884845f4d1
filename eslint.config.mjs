import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-output/**', 'bench/out/**', '*.js', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through platform/config (AppConfig).' }],
    },
  },
  { files: ['src/platform/config/**', 'src/platform/database/data-source.ts', 'test/**', 'bench/**', 'src/cli/**', 'console/vite.config.mts'], rules: { 'no-restricted-properties': 'off' } },
  { files: ['test/**', 'bench/**'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
