import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { stickyBucket } from '@shadowgate/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, waitFor } from '@shadowgate/dev-helpers'
import { configDir } from './cli-config-file.js'
import { CliProcess } from './cli-process.js'
import { socketOwner } from './proc-socket-owner.js'

const ROUTE = 'items'
const KEYS = Array.from({ length: 40 }, (_, i) => `user-${i}`)
/** Requests per key, each on a fresh connection so node:cluster's round robin hands them to alternating workers. */
const PER_KEY = 6

/** One GET on a fresh connection with the sticky header; resolves with the status. */
function getFresh(url: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 10_000, headers: { 'x-user-id': key } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('timeout', () => req.destroy(new Error('request timed out')))
    req.on('error', reject)
    req.end()
  })
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

// Which worker forwarded a request is read from /proc (the owner of the origin connection's socket).
describe.skipIf(process.platform !== 'linux')('shadowgate gateway --workers 2: sticky sampling is the same in every worker', () => {
  let dir: Awaited<ReturnType<typeof configDir>>
  let gateway: CliProcess | undefined
  let origin: Server
  let shadow: Server
  let originPort = 0
  let trafficUrl = ''
  let adminUrl = ''
  /** Request path -> the origin connection's client port, as the origin saw it. */
  const originPortOf = new Map<string, number>()
  /** Copies received by the shadow, per sticky key. */
  const copies = new Map<string, number>()

  const workerPids = (): number[] => gateway?.lines.filter((l) => l['msg'] === 'gateway worker listening').map((l) => Number(l['worker'])) ?? []

  beforeAll(async () => {
    dir = await configDir()
    origin = createServer((req, res) => {
      originPortOf.set(req.url ?? '', req.socket.remotePort ?? 0)
      req.resume()
      res.end('primary')
    })
    shadow = createServer((req, res) => {
      const key = String(req.headers['x-user-id'])
      copies.set(key, (copies.get(key) ?? 0) + 1)
      req.resume()
      res.end('shadow')
    })
    // The gateway's pools keep origin connections for proxy.keepAliveTimeout; the origin must not close them first.
    origin.keepAliveTimeout = 30_000
    originPort = await listen(origin)
    const shadowPort = await listen(shadow)
    const [trafficPort, adminPort] = [await freePort(), await freePort()]
    trafficUrl = `http://127.0.0.1:${trafficPort}`
    adminUrl = `http://127.0.0.1:${adminPort}`
    const configPath = await dir.write(
      'sticky.yaml',
      `primary: http://127.0.0.1:${originPort}
shadow: http://127.0.0.1:${shadowPort}
listen: { host: 127.0.0.1, port: ${trafficPort} }
admin: { host: 127.0.0.1, port: ${adminPort} }
routes:
  - name: ${ROUTE}
    match: /items/*
    mirror: { percent: 30, sticky: "header:x-user-id" }
`,
    )
    gateway = new CliProcess(['gateway', '--config', configPath, '--workers', '2'])
    await waitFor(() => workerPids().length === 2, 30_000, `two workers to listen (${gateway.output})`)
    await waitFor(async () => (await fetch(`${adminUrl}/readyz`)).status === 200, 10_000, 'the primary to be ready')
  })
  afterAll(async () => {
    const pids = workerPids()
    await gateway?.stop('SIGKILL')
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
    origin?.closeAllConnections()
    shadow?.closeAllConnections()
    await new Promise((r) => origin?.close(r))
    await new Promise((r) => shadow?.close(r))
    await dir?.remove()
  })

  /** Sends PER_KEY requests per key; returns the copies each key got and the workers that served it. */
  async function round(tag: string): Promise<{ copies: Map<string, number>; servedBy: Map<string, Set<number>> }> {
    copies.clear()
    const pids = workerPids()
    const servedBy = new Map<string, Set<number>>()
    // A key's requests go back to back, so the round robin alternates them between the workers.
    for (const key of KEYS) {
      for (let n = 0; n < PER_KEY; n++) {
        const path = `/items/${tag}/${key}/${n}`
        expect(await getFresh(`${trafficUrl}${path}`, key)).toBe(200)
        // The gateway keeps its origin connection open (keep-alive), so its owner can be looked up now.
        const owner = socketOwner(pids, originPortOf.get(path) ?? -1, originPort)
        if (owner !== undefined) servedBy.set(key, (servedBy.get(key) ?? new Set()).add(owner))
      }
    }
    // Copies leave after the client's response: wait until they stop arriving.
    let last = -1
    await waitFor(async () => {
      const now = [...copies.values()].reduce((a, b) => a + b, 0)
      const settled = now === last
      last = now
      if (!settled) await new Promise((r) => setTimeout(r, 300))
      return settled
    }, 15_000, 'copies to settle')
    return { copies: new Map(copies), servedBy }
  }

  const inAt = (percent: number): string[] => KEYS.filter((k) => stickyBucket(k, ROUTE) < percent)

  function expectStickyRound(r: Awaited<ReturnType<typeof round>>, percent: number): void {
    // Every key was forwarded by both workers...
    for (const key of KEYS) expect([key, r.servedBy.get(key)?.size]).toEqual([key, 2])
    // ...and each key is wholly in (every request copied) or wholly out, exactly as the shared hash says.
    const expected = inAt(percent)
    for (const key of KEYS) expect([key, r.copies.get(key) ?? 0]).toEqual([key, expected.includes(key) ? PER_KEY : 0])
  }

  it('mirrors the same keys from either worker, and a raised percent only adds keys in both', async () => {
    // The sample must have keys on both sides at 30 % and change when raised to 70 %, or the test proves nothing.
    expect(inAt(30).length).toBeGreaterThan(0)
    expect(inAt(30).length).toBeLessThan(inAt(70).length)
    expect(inAt(70).length).toBeLessThan(KEYS.length)

    expectStickyRound(await round('a'), 30)

    const put = await fetch(`${adminUrl}/routes/${ROUTE}/mirror`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ percent: 70 }) })
    expect(put.status).toBe(200)
    // A key in at 70 % but not at 30 % shows when each worker applied the change: wait for four copies in a row.
    const probe = inAt(70).find((k) => !inAt(30).includes(k)) ?? ''
    let streak = 0
    await waitFor(async () => {
      const before = copies.get(probe) ?? 0
      await getFresh(`${trafficUrl}/items/probe/${probe}`, probe)
      await waitFor(() => (copies.get(probe) ?? 0) > before, 1_000, 'a copy').then(
        () => streak++,
        () => (streak = 0),
      )
      return streak >= 4
    }, 20_000, 'both workers to apply the change')

    const raised = await round('b')
    expectStickyRound(raised, 70)
    for (const key of inAt(30)) expect(raised.copies.get(key)).toBe(PER_KEY)
  }, 90_000) // two workers and a few hundred fresh connections: slow on a loaded machine, never a hang (every request has its own timeout)
})
