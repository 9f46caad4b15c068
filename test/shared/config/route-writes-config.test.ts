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
      verifyRead: undefined,
      maxLagForCutoverMs: 1_000,
      lagStableForMs: 30_000,
      reverse: true,
    })
  })

  it('verify: a boolean (status only), a read-back request, or a mapping', () => {
    const writesOf = (verify: unknown) => validateConfig({ ...BASE, routes: [{ name: 'a', match: '/items/:id', writes: { verify } }] }).routes[0]?.writes
    expect(writesOf(false)).toMatchObject({ verify: false, verifyRead: undefined })
    expect(writesOf('GET {path}')).toMatchObject({ verify: true, verifyRead: { path: '{path}', delayMs: 500, concurrency: 8 } })
    expect(writesOf({ status: false, read: 'GET /v2{path}', delay: '2s', concurrency: 3 })).toMatchObject({ verify: false, verifyRead: { path: '/v2{path}', delayMs: 2_000, concurrency: 3 } })
    expect(validateConfig({ ...BASE, routes: [{ name: 'a', match: '/a', writes: { maxLagForCutover: '250ms', lagStableFor: '1m' } }] }).routes[0]?.writes).toMatchObject({ maxLagForCutoverMs: 250, lagStableForMs: 60_000 })
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
    [{ ...BASE, routes: [{ name: 'a', match: '/a', writes: { verify: 'POST {path}' } }] }, 'routes[0].writes.verify', 'must be a read-back request such as "GET {path}"'],
    [{ ...BASE, routes: [{ name: 'a', match: '/a', writes: { verify: { delay: 'soon' } } }] }, 'routes[0].writes.verify.delay', 'must be a duration'],
  ])('rejects %j at %s', (raw, key, constraint) => {
    const err = errorOf(raw)
    expect(err.key).toBe(key)
    expect(err.message).toContain(constraint)
  })
})
