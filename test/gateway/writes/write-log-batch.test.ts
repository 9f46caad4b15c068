import { startRedis, waitFor, type TestRedis } from '@shadowgate/dev-helpers'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WriteLogBatches, type BatchAnswer } from '../../../gateway/src/writes/write-log-batch.js'

/** Script calls Redis has run so far (EVALSHA and EVAL), from its own command statistics. */
async function scriptCalls(client: Redis): Promise<number> {
  const info = await client.info('commandstats')
  let n = 0
  for (const cmd of ['evalsha', 'eval']) n += Number(new RegExp(`^cmdstat_${cmd}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0)
  return n
}

const answerOf = (): { answer: (a: BatchAnswer) => void; result: Promise<BatchAnswer> } => {
  let answer!: (a: BatchAnswer) => void
  const result = new Promise<BatchAnswer>((resolve) => (answer = resolve))
  return { answer, result }
}

describe('WriteLogBatches', () => {
  let redis: TestRedis
  let client: Redis
  let reader: Redis
  beforeAll(async () => {
    redis = await startRedis()
    client = new Redis(redis.url)
    reader = new Redis(redis.url)
  })
  afterAll(async () => {
    client.disconnect()
    reader.disconnect()
    await redis.close()
  })

  it('carries every field byte for byte in its one packed argument (quotes, NUL, non-ASCII, a large value)', async () => {
    const batches = new WriteLogBatches(client, false, () => {})
    const fields = ['t', 'intent', 'q', '"quoted" \\ back', 'z', 'nul\u0000inside', 'u', 'grüße ✓ 𝄞', 'big', 'x'.repeat(300_000), 'empty', '']
    const a = answerOf()
    const b = answerOf()
    batches.intent('p:{1}:log', 'p:{1}:out', 'g', 100, fields, a.answer)
    batches.intent('p:{2}:log', 'p:{2}:out', 'g', 100, ['n', '1'], b.answer)
    const [first, second] = await Promise.all([a.result, b.result])
    expect(typeof first === 'object' && 'id' in first).toBe(true)
    expect(typeof second === 'object' && 'id' in second).toBe(true)
    const [[, stored] = []] = await reader.xrange('p:{1}:log', '-', '+')
    expect(stored).toEqual(fields)
    expect(await reader.xlen('p:{2}:log')).toBe(1)
  })

  it('answers full for an intent whose stream holds its limit, and appends the others of the same call', async () => {
    const batches = new WriteLogBatches(client, false, () => {})
    const answers = [answerOf(), answerOf(), answerOf()]
    for (const a of answers) batches.intent('full:{1}:log', 'full:{1}:out', 'g', 2, ['n', '1'], a.answer)
    const results = await Promise.all(answers.map((a) => a.result))
    expect(results.map((r) => (r === 'full' ? 'full' : 'id' in r ? 'id' : 'error'))).toEqual(['id', 'id', 'full'])
  })

  it('sends an outcome with the next intents when they come within outcomeDelayMs: one script call for both', async () => {
    const batches = new WriteLogBatches(client, false, () => {}, 5_000)
    const before = await scriptCalls(reader)
    batches.outcome('ride:{1}:log', 'ride:{1}:out', 'g', 'key-1', '201 3.5')
    // A later turn: the outcome waited instead of leaving on its own.
    await new Promise((r) => setImmediate(r))
    const a = answerOf()
    batches.intent('ride:{1}:log', 'ride:{1}:out', 'g', 100, ['n', '2'], a.answer)
    await a.result
    expect(await reader.hget('ride:{1}:out', 'key-1')).toBe('201 3.5')
    expect((await scriptCalls(reader)) - before).toBe(1)
  })

  it('sends an outcome on its own once outcomeDelayMs passed without intents', async () => {
    const batches = new WriteLogBatches(client, false, () => {}, 30)
    const at = performance.now()
    batches.outcome('alone:{1}:log', 'alone:{1}:out', 'g', 'key-1', '500 1.0')
    await waitFor(async () => (await reader.hget('alone:{1}:out', 'key-1')) === '500 1.0', 5_000, 'the outcome in Redis', 5)
    expect(performance.now() - at).toBeGreaterThanOrEqual(29)
  })

  it('flush sends a waiting outcome at once', async () => {
    const batches = new WriteLogBatches(client, false, () => {}, 60_000)
    batches.outcome('flush:{1}:log', 'flush:{1}:out', 'g', 'key-1', '204 0.5')
    await batches.flush()
    expect(await reader.hget('flush:{1}:out', 'key-1')).toBe('204 0.5')
  })
})
