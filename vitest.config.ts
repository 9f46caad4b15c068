import { fileURLToPath } from 'node:url'
import { configDefaults, defineConfig } from 'vitest/config'

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))

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
    include: ['test/**/*.test.ts'],
    // The fault matrix drives real processes through real faults for about 5 minutes: it runs
    // through `npm run test:faults` (which sets SHADOWGATE_FAULTS=1), not in the default run.
    exclude: [...configDefaults.exclude, ...(process.env['SHADOWGATE_FAULTS'] === '1' ? [] : ['test/faults/**'])],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites start their own redis-server/influxd; two cores cannot take many at once.
    maxWorkers: 2,
    pool: 'forks',
  },
})
