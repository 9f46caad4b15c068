import { createServer, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort, waitFor, startServer } from '@shadowgate/dev-helpers'
import { send, startGateway } from '../proxy/gateway-fixture.js'

/** A shadow on a given port that answers 'ok' to everything. */
async function listenOn(port: number): Promise<{ server: Server; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer((_req, res) => res.end('ok'))
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  return {
    server,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

describe('mirror: in-flight cap and circuit breaker', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  /** A gateway mirroring every request of `route` to a shadow that holds every copy it gets (in `held`). */
  async function holdingShadow(mirror: Record<string, unknown>, route: string) {
    const held: ServerResponse[] = []
    const origin = await startServer((_req, res) => void res.end('primary'))
    const shadow = await startServer((_req, res) => {
      held.push(res)
    })
    cleanups.push(() => origin.close(), () => shadow.close())
    const gateway = await startGateway({
      primary: origin.url,
      shadow: shadow.url,
      mirror,
      routes: [{ name: route, match: '/*', mirror: { percent: 100 } }],
    })
    cleanups.push(() => gateway.close())
    return { gateway, shadow, held }
  }

  /** Five requests through a gateway whose shadow holds every copy: two are held, three are dropped. */
  async function holdTwoOfFive(mirror: Record<string, unknown>, route: string) {
    const { gateway, shadow, held } = await holdingShadow({ ...mirror, timeout: '30s' }, route)
    for (let i = 0; i < 5; i++) expect((await send(gateway.url, `/r${i}`)).body.toString()).toBe('primary')
    await waitFor(() => held.length === 2, 10_000, 'two copies held by the shadow')
    const snap = gateway.metrics.snapshot()[route]
    expect(snap?.mirrored).toBe(2)
    expect(snap?.notMirrored.in_flight_cap).toBe(3)
    // Releases the held copies and waits until none is in flight.
    const release = async (): Promise<void> => {
      for (const res of held.splice(0)) res.end('late')
      await waitFor(() => gateway.mirror.stats().shadows[shadow.url]?.inFlight === 0, 10_000, 'the held copies to finish')
    }
    return { gateway, shadow, held, release }
  }

  it('drops copies beyond maxInFlight per shadow, counted as in_flight_cap, while the primary serves all', async () => {
    const { gateway, shadow, release } = await holdTwoOfFive({ maxInFlight: 2 }, 'held')
    expect(gateway.mirror.stats().shadows[shadow.url]).toEqual({ circuit: 'closed', inFlight: 2 })
    await release()
    await send(gateway.url, '/after')
    await waitFor(() => shadow.received.some((r) => r.url === '/after'), 10_000, 'a copy once capacity is back')
  })

  it('caps copies in flight at mirror.connections when that is lower: a copy never waits in the pool for a socket', async () => {
    const { gateway, shadow, held, release } = await holdTwoOfFive({ connections: 2 }, 'pooled')
    // Nothing was queued behind the held copies: once they end, the next copy is the only new one.
    await release()
    await send(gateway.url, '/after')
    await waitFor(() => held.length === 1, 10_000, 'the copy sent once capacity is back')
    held.splice(0).forEach((res) => res.end('late'))
    expect(shadow.received.map((r) => r.url)).toEqual(['/r0', '/r1', '/after'])
  })

  it('opens the circuit on a refusing shadow, counts circuit_open, and closes it after a successful probe', async () => {
    const origin = await startServer((_req, res) => void res.end('primary'))
    cleanups.push(() => origin.close())
    const shadowPort = await freePort()
    const shadowUrl = `http://127.0.0.1:${shadowPort}`
    const gateway = await startGateway({
      primary: origin.url,
      shadow: shadowUrl,
      mirror: { circuitBreaker: { consecutiveFailures: 3, openDuration: '500ms' } },
      routes: [{ name: 'flaky', match: '/*', mirror: { percent: 100 } }],
    })
    cleanups.push(() => gateway.close())
    const circuit = (): string | undefined => gateway.mirror.stats().shadows[shadowUrl]?.circuit

    // Three refused copies open the circuit; the primary answers every time.
    for (let i = 0; i < 3; i++) expect((await send(gateway.url, `/fail${i}`)).body.toString()).toBe('primary')
    await waitFor(() => circuit() === 'open', 10_000, 'the circuit to open')
    expect(gateway.metrics.snapshot()['flaky']?.shadowErrors).toBe(3)
    const gauge = await gateway.metrics.registry.getSingleMetric('shadowgate_circuit_state')?.get()
    // One series per state, the shadow named after its route (never its URL).
    expect(gauge?.values).toContainEqual(expect.objectContaining({ labels: { shadow: 'flaky', state: 'open' }, value: 1 }))
    expect(gauge?.values).toContainEqual(expect.objectContaining({ labels: { shadow: 'flaky', state: 'closed' }, value: 0 }))

    // (A request arriving after openDuration would be the probe instead; keep asking until one is refused.)
    await waitFor(
      async () => {
        await send(gateway.url, '/while-open')
        return (gateway.metrics.snapshot()['flaky']?.notMirrored.circuit_open ?? 0) >= 1
      },
      10_000,
      'circuit_open to be counted',
    )

    // The shadow comes back; after openDuration one probe goes through and closes the circuit.
    const back = await listenOn(shadowPort)
    cleanups.push(() => back.close())
    await waitFor(
      async () => {
        await send(gateway.url, '/probe')
        return circuit() === 'closed'
      },
      10_000,
      'a probe to close the circuit',
    )
    const mirroredBefore = gateway.metrics.snapshot()['flaky']?.mirrored ?? 0
    await send(gateway.url, '/closed-again')
    await waitFor(() => (gateway.metrics.snapshot()['flaky']?.mirrored ?? 0) === mirroredBefore + 1, 5_000, 'copies to flow again')
  })

  it('cuts every copy the shadow holds at mirror.timeout, counted as a timeout, and frees its slot', async () => {
    const { gateway, shadow, held } = await holdingShadow({ timeout: '200ms', circuitBreaker: { consecutiveFailures: 100 } }, 'late')
    for (let i = 0; i < 3; i++) expect((await send(gateway.url, `/t${i}`)).body.toString()).toBe('primary')
    await waitFor(() => gateway.metrics.snapshot()['late']?.shadowErrors === 3, 10_000, 'three copies to time out')
    expect(gateway.mirror.stats().shadows[shadow.url]?.inFlight).toBe(0)
    const errors = await gateway.metrics.registry.getSingleMetric('shadowgate_shadow_errors_total')?.get()
    expect(errors?.values).toContainEqual(expect.objectContaining({ labels: { route: 'late', kind: 'timeout' }, value: 3 }))
    held.splice(0).forEach((res) => res.destroy())
  })
})
