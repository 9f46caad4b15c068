import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, waitFor, startServer, type TestServer, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { configDir } from './cli-config-file.js'
import { CliProcess } from './cli-process.js'

const TOKEN = 'workers-cutover-token'

// The primary runs the admin API, so it coordinates; each worker holds and releases its own requests.
describe('shadowgate gateway --workers 2: cut-over', () => {
  let dir: Awaited<ReturnType<typeof configDir>>
  let oldSide: TestServer
  let newSide: TestServer
  let redis: TestRedis
  let raw: Redis
  let gateway: CliProcess | undefined

  beforeAll(async () => {
    dir = await configDir()
    oldSide = await startServer((_req, res) => void res.end('{"side":"old"}'))
    newSide = await startServer((_req, res) => void res.end('{"side":"new"}'))
    redis = await startRedis()
    raw = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  })
  afterAll(async () => {
    // A graceful stop: the primary drains its workers and waits for them.
    expect(await gateway?.stop('SIGTERM', 20_000)).toBe(0)
    raw?.disconnect()
    await redis?.close()
    await oldSide?.close()
    await newSide?.close()
    await dir?.remove()
  })

  it('the primary coordinates a cut-over that both workers acknowledge', async () => {
    const [trafficPort, adminPort] = [await freePort(), await freePort()]
    const path = await dir.write(
      'gateway.yaml',
      `primary: ${oldSide.url}
listen: { host: 127.0.0.1, port: ${trafficPort} }
admin: { host: 127.0.0.1, port: ${adminPort}, token: ${TOKEN} }
redis: { url: "${redis.url}", prefix: wco }
audit: { enabled: false }
routes:
  - { name: items, match: "/items/*", old: "${oldSide.url}", new: "${newSide.url}", mirror: { percent: 0 } }
`,
    )
    const g = new CliProcess(['gateway', '--config', path, '--workers', '2'])
    gateway = g
    await waitFor(() => g.lines.filter((l) => l['msg'] === 'gateway worker listening').length === 2, 30_000, () => `two workers to listen (${g.output})`)
    const admin = `http://127.0.0.1:${adminPort}`
    await waitFor(async () => (await fetch(`${admin}/readyz`)).status === 200, 10_000, 'the primary to be ready')
    await waitFor(async () => (await raw.zcard('wco:cutover:instances')) === 2, 5_000, 'both workers registered')
    const res = await fetch(`${admin}/routes/items/cutover`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'workers' }) })
    const body = (await res.json()) as { cutover: { outcome: string; acknowledged: string[] } }
    expect([res.status, body.cutover.outcome, body.cutover.acknowledged.length]).toEqual([200, 'committed', 2])
    const sides = await Promise.all(Array.from({ length: 8 }, async (_, i) => ((await (await fetch(`http://127.0.0.1:${trafficPort}/items/${i}`)).json()) as { side: string }).side))
    expect(sides).toEqual(Array(8).fill('new'))
  })
})
