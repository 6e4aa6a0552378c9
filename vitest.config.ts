import { defineConfig } from 'vitest/config';

// The embedded ClickHouse engine (chdb) crashes the process under worker threads,
// so every test file runs in its own forked process.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'deploy/**/.cache/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
