import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fieldDiffPoints } from '../../../audit-service/src/influx/field-diff-points.js'
import { PathBudget } from '../../../audit-service/src/influx/path-budget.js'
import { startRedis, type TestRedis } from '@shadowgate/dev-helpers'

describe('PathBudget', () => {
  let server: TestRedis
  let redis: Redis
  beforeAll(async () => {
    server = await startRedis()
    redis = new Redis(server.url)
  })
  afterAll(async () => {
    redis?.disconnect()
    await server?.close()
  })

  it('admits at most N distinct paths per route, shared by every worker; the rest is (other)', async () => {
    const a = new PathBudget(redis, 'pb', 2)
    const b = new PathBudget(redis, 'pb', 2)
    expect(Object.fromEntries(await a.tags('r', ['$.x', '$.y']))).toEqual({ '$.x': '$.x', '$.y': '$.y' })
    expect(Object.fromEntries(await b.tags('r', ['$.z', '$.x']))).toEqual({ '$.z': '(other)', '$.x': '$.x' })
    expect(Object.fromEntries(await a.tags('r', ['$.y', '$.w']))).toEqual({ '$.y': '$.y', '$.w': '(other)' })
    expect(Object.fromEntries(await a.tags('other-route', ['$.z']))).toEqual({ '$.z': '$.z' })
    expect((await redis.smembers('pb:audit:paths:r')).sort()).toEqual(['$.x', '$.y'])
  })

  it('aggregates the differences of one pair by (tag path, kind): one pair, its differing elements', () => {
    const points = fieldDiffPoints(
      'r',
      [
        { path: '$.items[*].price', exactPath: '$.items[0].price', kind: 'changed' },
        { path: '$.items[*].price', exactPath: '$.items[1].price', kind: 'changed' },
        { path: '$.a', exactPath: '$.a', kind: 'added' },
        { path: '$.b', exactPath: '$.b', kind: 'added' },
      ],
      new Map([
        ['$.a', '(other)'],
        ['$.b', '(other)'],
      ]),
      '1700000000000000001',
    )
    expect(points.map((p) => p.toLineProtocol())).toEqual([
      'shadowgate_field_diff,kind=changed,path=$.items[*].price,route=r elements=2i,pairs=1i 1700000000000000001',
      'shadowgate_field_diff,kind=added,path=(other),route=r elements=2i,pairs=1i 1700000000000000001',
    ])
  })
})
