import { freePort, startServer, type TestServer } from '@shadowgate/dev-helpers'
import { queryInfluxQl } from '@shadowgate/influx'
import type { InfluxConfig } from '@shadowgate/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// queryInfluxQl against real HTTP servers that answer as InfluxDB does, or do not.

const common = { flushMs: 1_000, batchSize: 100, maxBufferLines: 100, maxRetries: 0, gatewayWindowMs: 10_000 }
const v1 = (url: string): InfluxConfig => ({ version: 1, url, database: 'db', retentionPolicy: 'rp', username: 'u', password: 'p', ...common })
const v2 = (url: string): InfluxConfig => ({ version: 2, url, token: 'tok', org: 'o', bucket: 'bk', ...common })

describe('queryInfluxQl', () => {
  let answer: { status: number; body: string } = { status: 200, body: '{"results":[]}' }
  let server: TestServer
  beforeAll(async () => {
    server = await startServer((_req, res) => {
      res.statusCode = answer.status
      res.end(answer.body)
    })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('sends the 1.x database, retention policy and user; the 2.x bucket and token; and reads series by column', async () => {
    answer = { status: 200, body: JSON.stringify({ results: [{ series: [{ name: 'm', tags: { route: 'a' }, columns: ['time', 'n'], values: [[0, 3]] }] }] }) }
    expect(await queryInfluxQl(v1(server.url), 'SELECT 1')).toEqual([{ tags: { route: 'a' }, rows: [{ time: 0, n: 3 }] }])
    await queryInfluxQl(v2(server.url), 'SELECT 2')
    const [first, second] = server.received.slice(-2)
    expect(new URL(`http://x${first?.url}`).searchParams.get('db')).toBe('db')
    expect(new URL(`http://x${first?.url}`).searchParams.get('rp')).toBe('rp')
    expect(first?.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`)
    expect(new URL(`http://x${second?.url}`).searchParams.get('db')).toBe('bk')
    expect(second?.headers.authorization).toBe('Token tok')
  })

  it.each([
    [{ status: 401, body: '{"error":"authorization failed"}' }, /SG_INFLUX_QUERY|refused the query \(HTTP 401\): \{"error":"authorization failed"\}/],
    [{ status: 200, body: '<html>' }, /not JSON/],
    [{ status: 200, body: '{"results":[{"error":"database not found: db"}]}' }, /InfluxDB: database not found: db/],
    [{ status: 200, body: '{"nope":1}' }, /without results/],
  ])('refuses %j with an InfluxQueryError naming the problem', async (a, message) => {
    answer = a
    await expect(queryInfluxQl(v1(server.url), 'SELECT 1')).rejects.toMatchObject({ code: 'SG_INFLUX_QUERY', message: expect.stringMatching(message) })
  })

  it('names an InfluxDB that does not answer', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`
    await expect(queryInfluxQl(v1(closed), 'SELECT 1')).rejects.toMatchObject({ code: 'SG_INFLUX_QUERY', message: expect.stringContaining(`InfluxDB at ${closed} did not answer`) })
  })
})
