import { fileURLToPath } from 'node:url'
import { configDefaults, defineConfig } from 'vitest/config'
import { processTestFiles } from './test/support/process-test-files.js'

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))

/** Test files that start redis-server, influxd, victoria-metrics or child processes. */
const processFiles = processTestFiles(here('.'))
// The fault matrix drives real processes through real faults for about 5 minutes: it runs
// through `npm run test:faults` (which sets SHADOWGATE_FAULTS=1), not in the default run.
const faults = process.env['SHADOWGATE_FAULTS'] === '1'

export default defineConfig({
  resolve: {
    // Tests exercise the sources; the built dist/ is only for processes the tests spawn.
    alias: {
      '@shadowgate/shared': here('./shared/src/index.ts'),
      '@shadowgate/influx': here('./influx/src/index.ts'),
      '@shadowgate/audit-service/diff': here('./audit-service/src/diff/index.ts'),
      '@shadowgate/audit-service/cli': here('./audit-service/src/cli/index.ts'),
      '@shadowgate/audit-service': here('./audit-service/src/index.ts'),
      '@shadowgate/gateway/mirror': here('./gateway/src/mirror/index.ts'),
      '@shadowgate/gateway/http-proxy': here('./gateway/src/http-proxy/index.ts'),
      '@shadowgate/gateway/cli': here('./gateway/src/cli/index.ts'),
      '@shadowgate/gateway': here('./gateway/src/index.ts'),
      '@shadowgate/cli': here('./cli/src/index.ts'),
      '@shadowgate/dev-helpers': here('./dev-helpers/src/index.ts'),
    },
  },
  test: {
    // Projects extend this config, and vitest merges their include/exclude lists with its own: the
    // file lists are set per project only.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites start their own redis-server/influxd; two cores cannot take many at once.
    maxWorkers: 2,
    pool: 'forks',
    // Fails the run when a process it started outlives it; reports leftover temp folders.
    globalSetup: ['./test/support/test-run-guard.ts'],
    projects: [
      // In-process tests only: `npm run test:unit`.
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/faults/**', ...processFiles] } },
      // Everything that starts real servers or child processes: `npm run test:process`.
      { extends: true, test: { name: 'process', include: processFiles.filter((f) => !f.startsWith('test/faults/')) } },
      ...(faults ? [{ extends: true, test: { name: 'faults', include: ['test/faults/**/*.test.ts'] } }] : []),
    ],
  },
})
