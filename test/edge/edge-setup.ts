import type { ServerResponse } from 'node:http'
import { expect } from 'vitest'
import { waitFor, startServer, type ReceivedRequest, type TestServer } from '@shadowgate/dev-helpers'
import { startGateway, type RunningGateway } from '../gateway/proxy/gateway-fixture.js'
import { rawExchange } from './raw-exchange.js'

/** Every method a route can mirror: the edge tests copy writes too, so the shadow sees bodies. */
export const ALL_MIRRORABLE = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE']

/** What an upstream received, as compared between primary and shadow. */
export interface Seen {
  readonly method: string
  readonly url: string
  readonly body: string
}

export interface EdgeSetup {
  readonly gateway: RunningGateway
  readonly primary: TestServer
  readonly shadow: TestServer
  /** Responses of `GET /stream` the primary has open (ended or cut). */
  readonly streams: ServerResponse[]
  close(): Promise<void>
}

/**
 * Upstream behaviour: `GET /stream` sends a first chunk and ends 3 s later (unless the gateway
 * hangs up first); everything else answers `<name> ok` at once.
 */
function upstream(name: string, streams: ServerResponse[]) {
  return (req: { url?: string | undefined; method?: string | undefined }, res: ServerResponse): void => {
    if (req.url === '/stream') {
      streams.push(res)
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '20' })
      res.write('first-chunk|')
      const timer = setTimeout(() => res.end('the-rest'), 3_000)
      res.on('close', () => clearTimeout(timer))
      return
    }
    const body = `${name} ok`
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }
}

/**
 * A primary and a shadow that record what they receive, behind a gateway mirroring 100 % of every
 * method (writes included) with short client deadlines, so stalled connections end within a test.
 */
export async function startEdgeSetup(proxy: Record<string, unknown> = {}): Promise<EdgeSetup> {
  const streams: ServerResponse[] = []
  const shadowStreams: ServerResponse[] = []
  const primary = await startServer(upstream('primary', streams))
  const shadow = await startServer(upstream('shadow', shadowStreams))
  try {
    const gateway = await startGateway({
      primary: primary.url,
      shadow: shadow.url,
      proxy: { clientHeadersTimeout: '2s', clientRequestTimeout: '4s', ...proxy },
      mirror: { timeout: '1s' },
      routes: [{ name: 'edge', match: '/*', mirror: { percent: 100, methods: ALL_MIRRORABLE } }],
    })
    return {
      gateway,
      primary,
      shadow,
      streams,
      async close() {
        await gateway.close()
        await primary.close()
        await shadow.close()
      },
    }
  } catch (err) {
    await primary.close()
    await shadow.close()
    throw err
  }
}

export function seen(r: ReceivedRequest): Seen {
  return { method: r.method, url: r.url, body: r.body.toString('latin1') }
}

/** Headers minus the ones a copy legitimately differs in (the mirror marker; Host when the client sent none). */
function comparableHeaders(r: ReceivedRequest): Record<string, unknown> {
  const { 'x-shadowgate-mirror': _marker, host: _host, ...rest } = r.headers
  return rest
}

/**
 * Asserts that, since the counts in `before`, the primary and the shadow received exactly `expected`
 * (same method, URL and body bytes, and the same headers but the mirror marker), ignoring requests
 * whose URL starts with `/probe`. Waits for copies in flight to land first.
 */
export async function expectSameInterpretation(setup: EdgeSetup, before: { primary: number; shadow: number }, expected: readonly Seen[]): Promise<void> {
  const pick = (s: TestServer, from: number): ReceivedRequest[] => s.received.slice(from).filter((r) => !r.url.startsWith('/probe'))
  // The shadow's copy leaves after the primary was dispatched; wait until every copy has settled.
  await waitFor(() => Object.values(setup.gateway.mirror.stats().shadows).every((s) => s.inFlight === 0) && pick(setup.shadow, before.shadow).length >= expected.length, 5_000, 'shadow copies to settle')
  const p = pick(setup.primary, before.primary)
  const s = pick(setup.shadow, before.shadow)
  expect(p.map(seen)).toEqual(expected)
  expect(s.map(seen)).toEqual(expected)
  for (let i = 0; i < p.length; i++) expect(comparableHeaders(s[i] as ReceivedRequest)).toEqual(comparableHeaders(p[i] as ReceivedRequest))
}

/**
 * A well-formed request on a fresh connection after an attack: the gateway still answers, and the
 * upstreams receive exactly this request (no bytes of an earlier connection glued to it).
 */
export async function expectStillServing(setup: EdgeSetup, tag: string): Promise<void> {
  const url = `/probe/${encodeURIComponent(tag)}`
  const before = { primary: setup.primary.received.length, shadow: setup.shadow.received.length }
  const res = await rawExchange(setup.gateway.port, [`POST ${url} HTTP/1.1\r\nHost: edge.test\r\nContent-Length: 5\r\n\r\nhello`, { awaitResponses: 1 }])
  expect(res.responses.map((r) => r.status)).toEqual([200])
  expect(res.responses[0]?.body.toString()).toBe('primary ok')
  await waitFor(() => setup.shadow.received.slice(before.shadow).some((r) => r.url === url), 5_000, `the shadow copy of ${url}`)
  const probe: Seen = { method: 'POST', url, body: 'hello' }
  expect(setup.primary.received.slice(before.primary).map(seen)).toEqual([probe])
  expect(setup.shadow.received.slice(before.shadow).map(seen)).toEqual([probe])
}
