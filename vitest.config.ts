import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// The global setup starts real PostgreSQL, Dovecot, Postfix and an SMTP sink (test/env/global-setup.ts).
// `npm run test:unit` (LK_UNIT_ONLY=1) runs the pure tests alone, with no service started.
const unitOnly = process.env.LK_UNIT_ONLY === '1';

export default defineConfig({
  test: {
    include: unitOnly ? ['test/unit/**/*.test.ts'] : ['test/**/*.test.ts'],
    globalSetup: unitOnly ? [] : ['test/env/global-setup.ts'],
    // Lets kysely's migration provider import migrations/*.ts in the test workers too.
    setupFiles: ['test/env/ts-imports.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    pool: 'forks',
    // Most tests wait on real services (Postfix retries, IMAP, Chromium), not the CPU: vitest's default of
    // (cores - 1) workers would run the files one at a time on a 2-core machine.
    maxWorkers: Math.max(3, Math.min(6, availableParallelism())),
  },
});
