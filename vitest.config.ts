import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests exercise the sources; the built dist/ is only for processes the tests spawn.
    alias: {
      '@shadowgate/shared': here('./shared/src/index.ts'),
      '@shadowgate/audit-service': here('./audit-service/src/index.ts'),
      '@shadowgate/gateway': here('./gateway/src/index.ts'),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites start their own redis-server/influxd; two cores cannot take many at once.
    maxWorkers: 2,
    pool: 'forks',
  },
})
