import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, waitFor, startServer, type TestServer, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { configDir } from './cli-config-file.js'
import { alive, CliProcess, runCli } from './cli-process.js'

/** One GET on a fresh connection, so node:cluster's round robin spreads requests over the workers. */
function getFresh(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 10_000 }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('timeout', () => req.destroy(new Error('request timed out')))
    req.on('error', reject)
    req.end()
  })
}

for (const variant of ['cluster IPC', 'Redis'] as const) {
  describe(`shadowgate gateway --workers 2 (runtime shared through ${variant})`, () => {
    let dir: Awaited<ReturnType<typeof configDir>>
    let origin: TestServer
    let shadow: TestServer
    let redis: TestRedis | undefined
    let gateway: CliProcess | undefined
    let configPath = ''
    let trafficUrl = ''
    let adminUrl = ''
    const originSockets = new Set<number>()

    const workerPids = (): number[] => gateway?.lines.filter((l) => l['msg'] === 'gateway worker listening').map((l) => Number(l['worker'])) ?? []

    beforeAll(async () => {
      dir = await configDir()
      origin = await startServer((req, res) => {
        originSockets.add(req.socket.remotePort ?? 0)
        res.end('primary')
      })
      shadow = await startServer((_req, res) => {
        res.end('shadow')
      })
      if (variant === 'Redis') redis = await startRedis()
      const [trafficPort, adminPort] = [await freePort(), await freePort()]
      trafficUrl = `http://127.0.0.1:${trafficPort}`
      adminUrl = `http://127.0.0.1:${adminPort}`
      configPath = await dir.write(
        'shadowgate.yaml',
        `primary: ${origin.url}
shadow: ${shadow.url}
listen: { host: 127.0.0.1, port: ${trafficPort} }
admin: { host: 127.0.0.1, port: ${adminPort}, token: workers-token-0123456789 }
${redis ? `redis: { url: "${redis.url}", prefix: workers }\naudit: { enabled: false }` : ''}
routes:
  - name: items
    match: /items/*
    mirror: { percent: 0 }
`,
      )
      gateway = new CliProcess(['gateway', '--config', configPath, '--workers', '2'])
      await waitFor(() => workerPids().length === 2, 30_000, `two workers to listen (${gateway.output})`)
      await waitFor(async () => (await fetch(`${adminUrl}/readyz`)).status === 200, 10_000, 'the primary to be ready')
    })
    afterAll(async () => {
      const pids = workerPids()
      await gateway?.stop('SIGKILL')
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL')
      await origin?.close()
      await shadow?.close()
      await redis?.close()
      await dir?.remove()
    })

    /** Sends `n` requests on fresh connections and returns how many copies reached the shadow. */
    async function mirroredOf(n: number): Promise<number> {
      const before = shadow.received.length
      for (let i = 0; i < n; i++) expect(await getFresh(`${trafficUrl}/items/${i}`)).toBe(200)
      // Copies are sent after the client's response; wait until they stop arriving.
      let last = -1
      await waitFor(async () => {
        const now = shadow.received.length
        const settled = now === last
        last = now
        if (!settled) await new Promise((r) => setTimeout(r, 200))
        return settled
      }, 10_000, 'copies to settle')
      return shadow.received.length - before
    }

    it('serves requests from both workers', async () => {
      expect(await mirroredOf(12)).toBe(0)
      // Each worker has its own keep-alive pool to the origin: two workers show up as two origin sockets at least.
      expect(originSockets.size).toBeGreaterThanOrEqual(2)
    })

    it('applies a runtime change in every worker, including one restarted after a crash', async () => {
      const set = await runCli(['mirror', 'set', 'items', '100', '--config', configPath])
      expect([set.code, set.stderr]).toEqual([0, ''])
      await waitFor(async () => (await mirroredOf(2)) === 2, 10_000, 'the change to apply')
      expect(await mirroredOf(12)).toBe(12)

      const [victim] = workerPids()
      if (victim === undefined) throw new Error('no worker pid logged')
      process.kill(victim, 'SIGKILL')
      await waitFor(() => workerPids().length === 3, 20_000, `a replacement worker (${gateway?.output})`)
      expect(alive(victim)).toBe(false)
      expect(await mirroredOf(12)).toBe(12)

      const routes = (await (await fetch(`${adminUrl}/routes`, { headers: { authorization: 'Bearer workers-token-0123456789' } })).json()) as {
        routes: { name: string; percent: number; counters: { requests: number; mirrored: number } }[]
      }
      expect(routes.routes[0]).toMatchObject({ name: 'items', percent: 100 })
      const metrics = await (await fetch(`${adminUrl}/metrics`, { headers: { authorization: 'Bearer workers-token-0123456789' } })).text()
      expect(metrics).toMatch(/shadowgate_requests_total\{route="items"\} \d+/)

      const off = await runCli(['mirror', 'set', 'items', '0', '--config', configPath])
      expect(off.code).toBe(0)
      await waitFor(async () => (await mirroredOf(2)) === 0, 10_000, 'the change back to apply')
      expect(await mirroredOf(12)).toBe(0)
    })

    it('drains every worker and exits 0 on SIGTERM', async () => {
      const pids = workerPids().filter(alive)
      expect(pids).toHaveLength(2)
      expect(await gateway?.stop('SIGTERM')).toBe(0)
      await waitFor(() => pids.every((p) => !alive(p)), 10_000, 'the workers to exit')
    })
  })
}
