// Lint: typescript-eslint's recommended rules, plus the layering rule that keeps core free of I/O.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', 'bench/results/**', 'apps/server/public/**', 'screenshots/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Tests and drills read JSON answers of many shapes.
    files: ['**/test/**/*.ts', '**/drills/**/*.ts'],
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
            { group: ['fs', 'path', 'os', 'http', 'https', 'net', 'child_process', 'crypto', 'events', 'stream', 'worker_threads'], message: 'core imports no I/O' },
            { group: ['better-sqlite3', 'pg', 'express', 'socket.io', 'socket.io-client', '@task-coordinator/store-*'], message: 'core imports no store or server code' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'core reads no environment' }, { name: 'setTimeout', message: 'core schedules nothing' }, { name: 'setInterval', message: 'core schedules nothing' }],
    },
  },
);
