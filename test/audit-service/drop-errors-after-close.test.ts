import { once } from 'node:events'
import { Queue, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropErrorsAfterClose } from '../../audit-service/src/drop-errors-after-close.js'
import { freePort, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { nextTurn, recordUnhandledRejections } from './unhandled-rejections.js'

describe('dropErrorsAfterClose', () => {
  let redis: TestRedis
  const unhandled = recordUnhandledRejections()
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.close()
  })

  it('lets a worker be closed while its connections are still connecting', async () => {
    // As the audit service builds it: the worker's duplicate of a lazy client connects on demand,
    // and a close before it is up fails that connect.
    const client = new Redis(redis.url, { maxRetriesPerRequest: null, lazyConnect: true })
    await client.connect()
    try {
      const worker = new Worker('drop-errors', async () => undefined, { connection: client, prefix: 'droperr' })
      dropErrorsAfterClose(worker)
      worker.on('error', () => undefined)
      await worker.close()
      await nextTurn()
      expect(unhandled.map((e) => (e as Error).message)).toEqual([])
    } finally {
      await client.quit()
    }
  })

  it('still delivers the errors of an open connection to its owner', async () => {
    const port = await freePort()
    const queue = new Queue('drop-errors', { connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null, retryStrategy: () => 50 } })
    dropErrorsAfterClose(queue)
    const [err] = (await once(queue, 'error')) as [Error & { code?: string }]
    expect(err.code).toBe('ECONNREFUSED')
    await queue.close()
    await nextTurn()
    expect(unhandled.map((e) => (e as Error).message)).toEqual([])
  })
})
