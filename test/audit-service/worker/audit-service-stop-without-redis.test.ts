import { parseConfig } from '@shadowgate/shared'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuditService } from '../../../audit-service/src/worker/audit-service.js'
import { startRedis, type TestRedis } from '@shadowgate/dev-helpers'

describe('audit service stop while Redis is down', () => {
  let redis: TestRedis
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.close()
  })

  it('ends instead of waiting for a QUIT Redis will never answer', async () => {
    const config = parseConfig(`
primary: http://127.0.0.1:1
redis: { url: "${redis.url}", prefix: stopdown }
worker: { concurrency: 1, shutdownTimeout: 2s }
routes:
  - { name: r, match: "/r/*" }
`)
    const service = createAuditService(config, { logger: pino({ level: 'silent' }) })
    await service.start()
    await redis.stop()
    const ended = await Promise.race([service.close().then(() => 'closed'), new Promise((resolve) => setTimeout(resolve, 20_000, 'still waiting')).then((v) => v)])
    expect(ended).toBe('closed')
  }, 30_000)
})
