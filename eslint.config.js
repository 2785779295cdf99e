// Lint: typescript-eslint's recommended rules, React's hooks rules for the dashboard, the layering
// rule that keeps core free of I/O, and no import cycles.
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import noImportCycle from './scripts/lint/no-import-cycle.js';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.turbo/**',
      'bench/results/**',
      'apps/server/public/**',
      'screenshots/**',
      '.cache/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The dashboard: the rules of hooks, complete dependency lists (exhaustive-deps raised to an
    // error), and the React Compiler's checks (no setState in effects or render, pure renders, refs).
    files: ['apps/dashboard/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
    rules: {
      ...reactHooks.configs.flat['recommended-latest'].rules,
      'react-hooks/exhaustive-deps': 'error',
      // We do not run the React Compiler: this rule only reports that it would skip a component
      // using a library like TanStack Virtual, which is no defect here.
      'react-hooks/incompatible-library': 'off',
    },
  },
  {
    // No module may reach itself through its imports, type-only imports included (scripts/lint/no-import-cycle.js).
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { local: { rules: { 'no-import-cycle': noImportCycle } } },
    rules: { 'local/no-import-cycle': 'error' },
  },
  {
    // Tests and drills read JSON answers of many shapes.
    files: ['**/test/**/*.ts', '**/drills/**/*.ts', 'test-support/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Core is pure: no Node built-ins, no database, no HTTP. Time and ids are injected.
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'core imports no I/O: inject it instead' },
            {
              group: [
                'fs',
                'path',
                'os',
                'http',
                'https',
                'net',
                'child_process',
                'crypto',
                'events',
                'stream',
                'worker_threads',
              ],
              message: 'core imports no I/O',
            },
            {
              group: ['better-sqlite3', 'pg', 'express', 'socket.io', 'socket.io-client', '@task-coordinator/store-*'],
              message: 'core imports no store or server code',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'core reads no environment' },
        { name: 'setTimeout', message: 'core schedules nothing' },
        { name: 'setInterval', message: 'core schedules nothing' },
      ],
    },
  },
);
