import { Redis } from 'ioredis'
import { runtimeChannel, runtimeSettingsKey } from '@shadowgate/shared'
import { Pool } from 'undici'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePort, waitFor, startServer, type TestServer, startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { configDir } from './cli-config-file.js'
import { alive, CliProcess } from './cli-process.js'

const TOKEN = 'fleet-safety-admin-token'
const auth = { authorization: `Bearer ${TOKEN}` }
/** Long enough that requests are always in flight when the signal lands. */
const ORIGIN_DELAY_MS = 100
const LOAD_CONNECTIONS = 8

/** Ends whatever is left of a detached gateway's process group (primary and workers). */
function killGroup(gateway: CliProcess | undefined): void {
  const pid = gateway?.child.pid
  if (pid === undefined) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}

// Each case starts a primary and two workers: minutes on a loaded two-core machine, so a long bound; every wait inside is bounded too.
describe('shadowgate gateway --workers 2: fleet safety', { timeout: 120_000 }, () => {
  let dir: Awaited<ReturnType<typeof configDir>>
  let origin: TestServer
  let redis: TestRedis
  let redisClient: Redis
  let gateway: CliProcess | undefined

  beforeAll(async () => {
    dir = await configDir()
    origin = await startServer(async (req, res) => {
      // `/items/hang` is answered only when the test releases it (bounded), so a drain has something to wait for.
      await new Promise((r) => setTimeout(r, req.url === '/items/hang' ? 15_000 : ORIGIN_DELAY_MS))
      res.end('primary')
    })
    redis = await startRedis()
    redisClient = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  })
  afterEach(() => {
    killGroup(gateway)
    gateway = undefined
  })
  afterAll(async () => {
    redisClient?.disconnect()
    await redis?.close()
    await origin?.close()
    await dir?.remove()
  })

  /** Starts a detached `--workers 2` gateway; resolves once both workers listen and the primary is ready. */
  async function startGateway(opts: { redisPrefix?: string }): Promise<{ gateway: CliProcess; traffic: string; admin: string; workers: () => number[] }> {
    const [trafficPort, adminPort] = [await freePort(), await freePort()]
    const path = await dir.write(
      `gateway-${trafficPort}.yaml`,
      `primary: ${origin.url}
listen: { host: 127.0.0.1, port: ${trafficPort} }
admin: { host: 127.0.0.1, port: ${adminPort}, token: ${TOKEN} }
proxy: { timeout: 5s }
${opts.redisPrefix ? `redis: { url: "${redis.url}", prefix: ${opts.redisPrefix} }\naudit: { enabled: false }` : ''}
routes:
  - name: items
    match: /items/*
`,
    )
    const g = new CliProcess(['gateway', '--config', path, '--workers', '2'], {}, { detached: true })
    gateway = g
    const workers = (): number[] => g.lines.filter((l) => l['msg'] === 'gateway worker listening').map((l) => Number(l['worker']))
    await waitFor(() => workers().length === 2, 30_000, () => `two workers to listen (${g.output})`)
    const admin = `http://127.0.0.1:${adminPort}`
    await waitFor(async () => (await fetch(`${admin}/readyz`)).status === 200, 10_000, 'the primary to be ready')
    return { gateway: g, traffic: `http://127.0.0.1:${trafficPort}`, admin, workers }
  }

  /**
   * Keeps LOAD_CONNECTIONS keep-alive requests in flight, then calls `stop` (which signals the gateway) and sends
   * nothing new. Resolves with what the in-flight requests got, once they have all ended.
   */
  async function loadThenStop(traffic: string, stop: () => Promise<void>): Promise<{ failures: string[]; inFlight: number; started: number; succeeded: number }> {
    const pool = new Pool(traffic, { connections: LOAD_CONNECTIONS, pipelining: 1 })
    let stopped = false
    let started = 0
    let succeeded = 0
    const failures: string[] = []
    const loop = async (): Promise<void> => {
      while (!stopped) {
        started++
        try {
          const res = await pool.request({ path: `/items/${started}`, method: 'GET' })
          const body = await res.body.text()
          if (res.statusCode === 200 && body === 'primary') succeeded++
          else failures.push(`status ${res.statusCode}: ${body.slice(0, 100)}`)
        } catch (err) {
          failures.push(`${(err as { code?: string }).code ?? ''} ${(err as Error).message}`)
        }
      }
    }
    const loops = Array.from({ length: LOAD_CONNECTIONS }, () => loop())
    try {
      await waitFor(() => succeeded >= LOAD_CONNECTIONS * 4, 20_000, 'steady load through the gateway')
      // Nothing new is sent once the signal is on its way; what is in flight must finish.
      stopped = true
      const inFlight = started - succeeded - failures.length
      await stop()
      await Promise.all(loops)
      return { failures, inFlight, started, succeeded }
    } finally {
      stopped = true
      await Promise.allSettled(loops)
      await pool.destroy()
    }
  }

  function groupOf(g: CliProcess): number {
    const pid = g.child.pid
    if (pid === undefined) throw new Error('the gateway has no pid')
    return -pid
  }

  it('every process survives a stored ttl beyond the Date range (one admin call crashed every gateway sharing Redis)', async () => {
    const prefix = 'fleet-ttl'
    const { gateway: g, traffic, admin, workers } = await startGateway({ redisPrefix: prefix })
    const pids = [g.child.pid ?? 0, ...workers()]

    const put = await fetch(`${admin}/routes/items/mirror`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: '{"percent":50,"ttl":"99999999999d"}' })
    expect(put.status).toBe(400)
    expect(await put.json()).toEqual({ error: { code: 'SG_INVALID_SETTING', message: expect.stringContaining('ttl must be at most 30d') as unknown } })
    expect(await redisClient.hexists(runtimeSettingsKey(prefix), 'items')).toBe(0)

    // What the unbounded call stored: every process (primary and both workers) reads it from the announcement.
    const now = Date.now()
    const bad = JSON.stringify({ percent: 50, expiresAt: now + 99_999_999_999 * 86_400_000, revertTo: 0, updatedAt: now, by: 'admin@127.0.0.1' })
    await redisClient.hset(runtimeSettingsKey(prefix), 'items', bad)
    await redisClient.publish(runtimeChannel(prefix), JSON.stringify({ route: 'items', value: bad }))
    await waitFor(
      async () => (await (await fetch(`${admin}/metrics`, { headers: auth })).text()).includes('shadowgate_runtime_rejected_values_total{source="fleet"} 3'),
      10_000,
      () => `the bad value to be counted by the primary and both workers (${g.output.slice(-3_000)})`,
    )
    expect(pids.every(alive)).toBe(true)
    expect(g.lines.some((l) => l['msg'] === 'gateway worker exited; restarting it')).toBe(false)
    const routes = await fetch(`${admin}/routes`, { headers: auth })
    expect(routes.status).toBe(200)
    expect(((await routes.json()) as { routes: unknown[] }).routes[0]).toMatchObject({ name: 'items', percent: 0, expiresAt: null })
    expect((await fetch(`${traffic}/items/1`)).status).toBe(200)

    // The admin API still repairs the stored value.
    const reset = await fetch(`${admin}/routes/items/mirror`, { method: 'DELETE', headers: auth })
    expect(reset.status).toBe(200)
    expect(await redisClient.hexists(runtimeSettingsKey(prefix), 'items')).toBe(0)
    expect(await g.stop('SIGTERM')).toBe(0)
  })

  it('a deliberate second signal to the primary still exits at once and kills the workers', async () => {
    const { gateway: g, traffic, workers } = await startGateway({})
    const workerPids = workers()
    const hanging = fetch(`${traffic}/items/hang`).then(
      (r) => `status ${r.status}`,
      (err: unknown) => `failed: ${(err as Error).message}`,
    )
    await waitFor(() => origin.received.some((r) => r.url === '/items/hang'), 10_000, 'the slow request to reach the origin')
    process.kill(groupOf(g), 'SIGTERM')
    await waitFor(() => g.lines.some((l) => l['worker'] === undefined && String(l['msg']).startsWith('shutting down')), 10_000, 'the primary to start draining')
    // The drain waits for the slow request; a second signal to the primary does not.
    expect(alive(workerPids[0] ?? 0) || alive(workerPids[1] ?? 0)).toBe(true)
    g.child.kill('SIGTERM')
    expect(await g.exit(5_000)).toBe(1)
    await waitFor(() => workerPids.every((p) => !alive(p)), 5_000, 'the workers to be killed')
    expect(g.lines.some((l) => l['msg'] === 'second signal: exiting without waiting')).toBe(true)
    expect(await hanging).toMatch(/^failed/)
  })

  // `paused`: the workers are stopped (SIGSTOP) across the signal and resumed once the primary has sent
  // them its shutdown message, as a loaded machine may leave them unscheduled: each then reads the
  // message before its own signal, the order in which that signal was taken as a second one.
  const cases = [
    ['SIGTERM', false],
    ['SIGTERM', true],
    ['SIGINT', true],
  ] as const
  for (const [signal, paused] of cases) {
    it(`drains in-flight requests when ${signal} reaches the whole process group${paused ? ' after the shutdown message' : ''} (Ctrl-C, systemd stop dropped them)`, async () => {
      const { gateway: g, traffic, workers } = await startGateway({})
      const workerPids = workers()
      const result = await loadThenStop(traffic, async () => {
        if (paused) for (const w of workerPids) process.kill(w, 'SIGSTOP')
        process.kill(groupOf(g), signal)
        if (!paused) return
        try {
          await waitFor(() => g.lines.some((l) => l['worker'] === undefined && String(l['msg']).startsWith('shutting down')), 10_000, 'the primary to start its shutdown')
          // The primary writes the messages in the tick it logs; a margin for them to reach the pipes (no clock to inject between processes).
          await new Promise((r) => setTimeout(r, 200))
        } finally {
          for (const w of workerPids) process.kill(w, 'SIGCONT')
        }
      })
      expect(result.failures).toEqual([])
      expect(result.inFlight).toBeGreaterThan(0)
      expect(result.succeeded).toBe(result.started)
      const code = await g.exit(20_000)
      expect(code, g.output.slice(-3_000)).toBe(0)
      await waitFor(() => workerPids.every((p) => !alive(p)), 10_000, 'the workers to exit')
      expect(g.lines.some((l) => l['msg'] === 'second signal: exiting without waiting')).toBe(false)
    })
  }
})
