import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.data/**', 'artifacts/**', '.turbo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-explicit-any': ['error', { ignoreRestArgs: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
      eqeqeq: ['error', 'smart'],
    },
  },
  // A migration describes the schema as it was on its day, so it takes Kysely<any>, not app types.
  { files: ['migrations/**/*.ts', 'packages/db/src/migrate.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // Command-line entry points and benchmarks talk to a person on the terminal.
  { files: ['**/cli*.ts', 'bench/**/*.ts'], rules: { 'no-console': 'off' } },
);
