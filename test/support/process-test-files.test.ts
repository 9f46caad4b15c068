import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { processTestFiles } from './process-test-files.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('processTestFiles', () => {
  const files = processTestFiles(root)

  it('takes a test that starts a server through a helper, one that spawns, and one that does so through a test module it imports', () => {
    expect(files).toContain('test/audit-service/mismatch/mismatch-store.test.ts') // startRedis
    expect(files).toContain('test/cli/demo/run-demo-command.test.ts') // spawn
    expect(files).toContain('test/e2e/audit-faults.test.ts') // through e2e-stack.ts
    expect(files).toContain('test/cli/shadowgate-cli.test.ts') // through cli-process.ts
    expect(files).toContain('test/faults/fault-matrix.test.ts')
  })

  it('leaves in-process tests out, also those using real HTTP servers on port 0', () => {
    expect(files).not.toContain('test/gateway/server/connection-drain.test.ts')
    expect(files).not.toContain('test/dev-helpers/bounded-close.test.ts')
    expect(files).not.toContain('test/shared/job-schema.test.ts')
    expect(files.every((f) => f.startsWith('test/') && f.endsWith('.test.ts'))).toBe(true)
  })
})
