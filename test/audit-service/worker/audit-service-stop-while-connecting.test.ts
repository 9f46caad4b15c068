import { parseConfig } from '@shadowgate/shared'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuditService } from '../../../audit-service/src/worker/audit-service.js'
import { startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { nextTurn, recordUnhandledRejections } from '../unhandled-rejections.js'

// start() returns before BullMQ's own connections have finished connecting (its worker's
// duplicate for blocking reads, the version check on each). A stop at that moment closes them
// mid-setup; BullMQ's report of that failed setup reached no listener and became an unhandled
// rejection ("Connection is closed."), which fails a test run and ends a Node process.
describe('audit service stopped while its queue connections are still connecting', () => {
  let redis: TestRedis
  const unhandled = recordUnhandledRejections()
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.close()
  })

  const stopRightAfterStart = async (routes: string): Promise<void> => {
    const config = parseConfig(`
primary: http://127.0.0.1:1
redis: { url: "${redis.url}", prefix: stopearly }
worker: { concurrency: 1, shutdownTimeout: 2s }
routes:
${routes}
`)
    const service = createAuditService(config, { logger: pino({ level: 'silent' }) })
    await service.start()
    await service.close()
    // The failed setup is reported from a promise handler: give it the turn it would run in.
    await nextTurn()
  }

  it('leaves no unhandled rejection from the audit worker', async () => {
    await stopRightAfterStart('  - { name: r, match: "/r/*" }')
    expect(unhandled.map((e) => (e as Error).message)).toEqual([])
  })

  it('leaves no unhandled rejection from the re-check worker', async () => {
    await stopRightAfterStart('  - { name: r, match: "/r/*", shadow: "http://127.0.0.1:1", recheck: { enabled: true } }')
    expect(unhandled.map((e) => (e as Error).message)).toEqual([])
  })
})
