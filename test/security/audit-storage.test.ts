// Claims of SECURITY.md, section "What the audit stores, and for how long".
import type { ServerResponse } from 'node:http'
import { AUDIT_QUEUE_NAME, auditBatchKey, parseAuditBatch, parseConfig, type ShadowgateConfig } from '@shadowgate/shared'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuditService, type AuditService } from '../../audit-service/src/worker/audit-service.js'
import { createGatewayService, type GatewayService } from '../../gateway/src/server/gateway-service.js'
import { send } from '../gateway/proxy/gateway-fixture.js'
import { waitFor, startServer, type TestServer, startRedis, type TestRedis } from '@shadowgate/dev-helpers'

const PREFIX = 'secaudit'
/** Values that must never be stored anywhere in Redis, in any form the gateway or worker writes. */
const SECRETS = {
  authorization: 'auth-secret-value-1',
  cookie: 'cookie-secret-value-2',
  apiSecret: 'api-secret-value-3',
  queryToken: 'query-secret-value-4',
  primarySetCookie: 'primary-set-cookie-5',
  shadowSetCookie: 'shadow-set-cookie-6',
  requestBody: 'request-body-secret-7',
  queryTokenArray: 'query-secret-array-8',
  queryAfterSemicolon: 'query-secret-semicolon-9',
}
/** The same parameters in spellings PHP, Rails, Express and Rack read as `token` and `api_key`. */
const QUERY = `token=${SECRETS.queryToken}&keep=1&Token[]=${SECRETS.queryTokenArray};api%5Fkey[0]=${SECRETS.queryAfterSemicolon}`
const REDACTED_QUERY = 'token=[redacted]&keep=1&Token[]=[redacted];api%5Fkey[0]=[redacted]'
/** A job's hash key: the queue prefix and the job id (the pair's UUID). */
// One BullMQ job carries a batch of pairs; its id is `b-` and the first pair's id.
const JOB_KEY = new RegExp(`^${PREFIX}:${AUDIT_QUEUE_NAME}:b-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
const CARD = { primary: '4111-0000-primary', shadow: '4222-0000-shadow' }

/** Every key and value in the Redis instance, as one searchable text (the instance belongs to this file). */
async function dumpRedis(redis: Redis): Promise<{ text: string; keys: string[] }> {
  const keys = await redis.keys('*')
  const parts: string[] = []
  for (const key of keys) {
    const type = await redis.type(key)
    parts.push(key)
    if (type === 'string') parts.push((await redis.getBuffer(key))?.toString('latin1') ?? '')
    else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)))
    else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)))
    else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)))
    else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES')))
    else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')))
    else parts.push(`(${type})`)
  }
  return { text: parts.join('\n'), keys }
}

function expectNoSecrets(text: string): void {
  for (const [name, value] of Object.entries(SECRETS)) expect({ name, found: text.includes(value) }).toEqual({ name, found: false })
}

describe('what the audit stores', () => {
  let redis: TestRedis
  let client: Redis
  let primary: TestServer
  let shadow: TestServer
  let gateway: GatewayService | undefined
  let worker: AuditService | undefined
  let config: ShadowgateConfig

  beforeAll(async () => {
    redis = await startRedis()
    client = new Redis(redis.url, { maxRetriesPerRequest: 1 })
    const answer = (side: 'primary' | 'shadow') => (_req: unknown, res: ServerResponse) => {
      res.setHeader('content-type', 'application/json')
      res.setHeader('set-cookie', [`session=${side === 'primary' ? SECRETS.primarySetCookie : SECRETS.shadowSetCookie}; HttpOnly`])
      res.end(JSON.stringify({ card: { number: CARD[side] }, version: side === 'primary' ? 1 : 2 }))
    }
    primary = await startServer(answer('primary'))
    shadow = await startServer(answer('shadow'))
    config = parseConfig(`
primary: ${primary.url}
shadow: ${shadow.url}
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
redis: { url: "${redis.url}", prefix: ${PREFIX} }
audit:
  captureRequestHeaders: [content-type, authorization, cookie, x-api-secret]
  redactHeaders: [x-api-secret]
  redactPaths: [$.card.number]
worker:
  sampleTtl: 1h
  keepFailedJobs: 7
routes:
  - name: orders
    match: /orders
    mirror: { percent: 100, methods: [POST] }
`)
    gateway = await createGatewayService(config, { logger: pino({ level: 'silent' }) })
    await gateway.listen()
  })
  afterAll(async () => {
    await worker?.close()
    await gateway?.close()
    await primary?.close()
    await shadow?.close()
    client?.disconnect()
    await redis?.close()
  })

  it('puts a job on the queue with credentials redacted and response bodies as captured', async () => {
    const traffic = (gateway as GatewayService).gateway.server.address()
    const port = typeof traffic === 'object' && traffic !== null ? traffic.port : 0
    const res = await send(`http://127.0.0.1:${port}`, `/orders?${QUERY}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRETS.authorization}`, cookie: `sid=${SECRETS.cookie}`, 'x-api-secret': SECRETS.apiSecret, 'content-type': 'text/plain' },
      body: SECRETS.requestBody,
    })
    expect(res.status).toBe(200)
    let jobKey = ''
    await waitFor(async () => {
      const keys = await client.keys(`${PREFIX}:${AUDIT_QUEUE_NAME}:*`)
      jobKey = keys.find((k) => JOB_KEY.test(k)) ?? ''
      return jobKey !== '' && (await client.type(jobKey)) === 'hash'
    }, 10_000, 'the audit job in Redis')
    const job = await client.hgetall(jobKey)
    const jobId = jobKey.slice(`${PREFIX}:${AUDIT_QUEUE_NAME}:`.length)
    const bytes = await client.getBuffer(auditBatchKey(PREFIX, jobId))
    const pairs = parseAuditBatch(JSON.parse(job['data'] ?? '{}'), bytes)
    expect(pairs).toHaveLength(1)
    const data = pairs[0]!
    expect(data.request.query).toBe(REDACTED_QUERY)
    expect(data.request.headers).toMatchObject({ authorization: '[redacted]', cookie: '[redacted]', 'x-api-secret': '[redacted]' })
    expect(data.request.bodySize).toBe(SECRETS.requestBody.length)
    // Response bodies travel whole (up to audit.maxBodyBytes), as bytes beside the job; audit.redactPaths applies to what is kept after the diff.
    expect(bytes?.includes(CARD.primary)).toBe(true)
    // Only the batch's bytes carry the pairs: the job itself holds no body and no header.
    expect(job['data']).not.toContain(CARD.primary)
    expect(await client.pttl(auditBatchKey(PREFIX, jobId))).toBeGreaterThan(0)
    expect(JSON.parse(job['opts'] ?? '{}')).toMatchObject({ removeOnComplete: true, removeOnFail: { count: 7 } })
    // A waiting job has no expiry of its own: it stays until a worker processes it.
    expect(await client.pttl(jobKey)).toBe(-1)
    expectNoSecrets((await dumpRedis(client)).text)
  })

  it('after the worker ran: the job is gone, the sample is redacted, and every mismatch key expires', async () => {
    worker = createAuditService(config, { logger: pino({ level: 'silent' }) })
    await worker.start()
    await waitFor(async () => (await worker!.store.list({ limit: 10 })).length === 1, 15_000, 'the mismatch group')
    await waitFor(async () => (await client.keys(`${PREFIX}:${AUDIT_QUEUE_NAME}:*`)).every((k) => !JOB_KEY.test(k)), 10_000, 'the job to be removed')
    await waitFor(async () => (await client.keys(auditBatchKey(PREFIX, '*'))).length === 0, 10_000, "the batch's bytes to be deleted")
    const { text, keys } = await dumpRedis(client)
    expectNoSecrets(text)
    expect(text).not.toContain(CARD.primary)
    expect(text).not.toContain(CARD.shadow)
    expect(await client.zcard(`${PREFIX}:${AUDIT_QUEUE_NAME}:completed`)).toBe(0)

    const [group] = await worker.store.list({ limit: 10 })
    const sample = group?.samples[0]
    expect(sample?.differences).toEqual(
      expect.arrayContaining([
        { path: '$.card.number', exactPath: '$.card.number', kind: 'changed', primary: '[redacted]', shadow: '[redacted]' },
        { path: '$.version', exactPath: '$.version', kind: 'changed', primary: 1, shadow: 2 },
      ]),
    )
    expect(sample?.query).toBe(REDACTED_QUERY)
    expect(sample?.primary).toMatchObject({ headers: { 'set-cookie': '[redacted]' } })
    expect(sample?.requestHeaders).toMatchObject({ authorization: '[redacted]', cookie: '[redacted]', 'x-api-secret': '[redacted]' })

    const mismatchKeys = keys.filter((k) => k.startsWith(`${PREFIX}:mismatch:`))
    expect(mismatchKeys.length).toBeGreaterThanOrEqual(3)
    for (const key of mismatchKeys) {
      const ttl = await client.pttl(key)
      expect({ key, expires: ttl > 0 && ttl <= 3_600_000 }).toEqual({ key, expires: true })
    }
  })
})
