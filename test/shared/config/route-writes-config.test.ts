import { describe, expect, it } from 'vitest'
import { DEFAULT_WRITE_METHODS, validateConfig } from '@shadowgate/shared'
import { errorOf } from './config-error-of.js'

const BASE = { primary: 'http://127.0.0.1:3000', shadow: 'http://127.0.0.1:3001' }

describe('routes[].writes', () => {
  it('is undefined without a writes block, and defaulted with an empty one', () => {
    const cfg = validateConfig({ ...BASE, routes: [{ name: 'a', match: '/a' }, { name: 'b', match: '/items/:id', writes: {} }] })
    expect(cfg.routes[0]?.writes).toBeUndefined()
    expect(cfg.routes[1]?.writes).toEqual({
      stage: 'old',
      methods: DEFAULT_WRITE_METHODS,
      maxBodyBytes: 1_048_576,
      headers: ['content-type', 'accept'],
      partitions: 1,
      partitionBy: undefined,
      appendTimeoutMs: 50,
      maxPendingEntries: 1_000_000,
      idempotencyHeader: 'idempotency-key',
      unknownAfterMs: 60_000,
      maxAttempts: 5,
      replayTimeoutMs: 10_000,
      verify: true,
      reverse: true,
    })
  })

  it('partitions by a path parameter or a header, 8 partitions unless set', () => {
    const cfg = validateConfig({
      ...BASE,
      routes: [
        { name: 'a', match: '/items/:id', writes: { stage: 'record', partitionBy: 'param:id' } },
        { name: 'b', match: '/t', writes: { partitionBy: 'header:X-Tenant', partitions: 3, idempotencyHeader: 'X-Request-Key', headers: ['Authorization'] } },
      ],
    })
    expect(cfg.routes[0]?.writes).toMatchObject({ stage: 'record', partitions: 8, partitionBy: { source: 'param', name: 'id' } })
    expect(cfg.routes[1]?.writes).toMatchObject({ partitions: 3, partitionBy: { source: 'header', name: 'x-tenant' }, idempotencyHeader: 'x-request-key', headers: ['authorization'] })
  })

  it.each([
    [{ primary: BASE.primary, routes: [{ name: 'a', match: '/a', writes: {} }] }, 'routes[0].shadow', 'is required when writes is set'],
    [{ ...BASE, routes: [{ name: 'a', match: '/a', writes: { stage: 'copy' } }] }, 'routes[0].writes.stage', 'must be one of old, record, replay, final'],
    [{ ...BASE, routes: [{ name: 'a', match: '/a', writes: { partitionBy: 'param:id' } }] }, 'routes[0].writes.partitionBy', 'names no parameter of match "/a"'],
    [{ ...BASE, routes: [{ name: 'a', match: '/a', writes: { partitionBy: 'cookie:sid' } }] }, 'routes[0].writes.partitionBy', 'must be param:<name>'],
    [{ ...BASE, routes: [{ name: 'a', match: '/a', writes: { partitions: 0 } }] }, 'routes[0].writes.partitions', 'must be between 1 and 256'],
    [{ ...BASE, routes: [{ name: 'a', match: '/a', writes: { appendTimeout: '1m' } }] }, 'routes[0].writes.appendTimeout', 'must be between 1 and 10000'],
    [{ ...BASE, routes: [{ name: 'a', match: '/a', writes: { methods: ['SEND'] } }] }, 'routes[0].writes.methods[0]', 'must be an HTTP method'],
    [{ ...BASE, routes: [{ name: 'a', match: '/a', writes: { maxPending: 5 } }] }, 'routes[0].writes.maxPending', 'is not a known option'],
    [{ ...BASE, routes: [{ name: 'a', match: '/a', writes: { idempotencyHeader: 'bad header' } }] }, 'routes[0].writes.idempotencyHeader', 'must be a valid header name'],
  ])('rejects %j at %s', (raw, key, constraint) => {
    const err = errorOf(raw)
    expect(err.key).toBe(key)
    expect(err.message).toContain(constraint)
  })
})
