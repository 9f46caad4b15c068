// Claims of SECURITY.md, section "Bad input at the edge".
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '@shadowgate/dev-helpers'
import { expectSameInterpretation, expectStillServing, startEdgeSetup, type EdgeSetup, type Seen } from './edge-setup.js'
import { rawExchange, type RawStep } from './raw-exchange.js'

/**
 * Bad input at the edge, one row per attack, sent over a raw socket byte for byte. For every row:
 * the client gets the listed statuses (1xx included) and the connection ends as listed; the primary
 * and the shadow received exactly the listed requests, both the same; a fresh connection is served
 * afterwards and reaches the upstreams untouched. The edge table in docs/edge-and-security.md cites these rows.
 */
interface EdgeRow {
  readonly name: string
  readonly steps: readonly RawStep[]
  readonly statuses: readonly number[]
  /** `code` of the gateway's JSON answer (last response), when it refuses the request itself. */
  readonly code?: string
  /** closed: the gateway closes the connection. open: it serves one more request on it. client: the client hung up. */
  readonly connection: 'closed' | 'open' | 'client'
  /** What the primary and the shadow each received. */
  readonly upstreams: readonly Seen[]
  readonly after?: (setup: EdgeSetup) => Promise<void>
}

const HOST = 'Host: edge.test'

function req(head: readonly string[], body = ''): string {
  return `${head.join('\r\n')}\r\n\r\n${body}`
}

// `code: null`: the answer is Node's own, without a JSON body.
const refused = (name: string, steps: readonly RawStep[], status = 400, code: string | null = 'SG_BAD_REQUEST'): EdgeRow => ({
  name,
  steps,
  statuses: [status],
  ...(code === null ? {} : { code }),
  connection: 'closed',
  upstreams: [],
})

const HIDDEN_REQUEST = 'GET /smuggled HTTP/1.1\r\nHost: edge.test\r\n\r\n'

const ROWS: readonly EdgeRow[] = [
  // Request smuggling: framing that two parsers could read differently is refused outright.
  refused('CL.TE: Content-Length and Transfer-Encoding together', [req(['POST /cl-te HTTP/1.1', HOST, 'Content-Length: 6', 'Transfer-Encoding: chunked'], '0\r\n\r\nG')]),
  refused('TE.CL: Transfer-Encoding then Content-Length', [req(['POST /te-cl HTTP/1.1', HOST, 'Transfer-Encoding: chunked', 'Content-Length: 3'], '8\r\nSMUGGLED\r\n0\r\n\r\n')]),
  refused('duplicate Content-Length, same value', [req(['POST /dup-cl HTTP/1.1', HOST, 'Content-Length: 3', 'Content-Length: 3'], 'abc')]),
  refused('duplicate Content-Length, different values', [req(['POST /dup-cl HTTP/1.1', HOST, 'Content-Length: 3', 'Content-Length: 5'], 'abcde')]),
  refused('Content-Length list "3, 3"', [req(['POST /cl-list HTTP/1.1', HOST, 'Content-Length: 3, 3'], 'abc')]),
  refused('Content-Length with a sign', [req(['POST /cl-sign HTTP/1.1', HOST, 'Content-Length: +3'], 'abc')]),
  refused('negative Content-Length', [req(['POST /cl-neg HTTP/1.1', HOST, 'Content-Length: -1'])]),
  refused('Content-Length beyond 2^64', [req(['POST /cl-huge HTTP/1.1', HOST, 'Content-Length: 99999999999999999999999'], 'abc')]),
  refused('Transfer-Encoding: chunked, identity', [req(['POST /te-ci HTTP/1.1', HOST, 'Transfer-Encoding: chunked, identity'], '3\r\nabc\r\n0\r\n\r\n')]),
  refused('Transfer-Encoding repeated on two lines', [req(['POST /te-twice HTTP/1.1', HOST, 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], '3\r\nabc\r\n0\r\n\r\n')]),
  refused('Transfer-Encoding with a space before the colon', [req(['POST /te-space HTTP/1.1', HOST, 'Transfer-Encoding : chunked'], '3\r\nabc\r\n0\r\n\r\n')]),
  refused('Transfer-Encoding: xchunked', [req(['POST /te-x HTTP/1.1', HOST, 'Transfer-Encoding: xchunked'], '3\r\nabc\r\n0\r\n\r\n')]),
  refused('obs-fold continuation line', [req(['GET /fold HTTP/1.1', HOST, 'X-A: one', ' two'])]),
  refused('obs-fold hiding Transfer-Encoding', [req(['POST /fold-te HTTP/1.1', HOST, 'Transfer-Encoding:', ' chunked'], '3\r\nabc\r\n0\r\n\r\n')]),
  refused('invalid chunk size', [req(['POST /chunk-bad HTTP/1.1', HOST, 'Transfer-Encoding: chunked'], 'zz\r\nabc\r\n0\r\n\r\n')]),
  refused('chunks framed with bare LF', [req(['POST /chunk-lf HTTP/1.1', HOST, 'Transfer-Encoding: chunked'], '3\nabc\n0\n\n')]),
  {
    name: 'Transfer-Encoding: identity, chunked (chunked last: decoded, re-framed upstream)',
    steps: [req(['POST /te-ic HTTP/1.1', HOST, 'Transfer-Encoding: identity, chunked'], '3\r\nabc\r\n0\r\n\r\n')],
    statuses: [200],
    connection: 'open',
    upstreams: [{ method: 'POST', url: '/te-ic', body: 'abc' }],
  },
  {
    name: 'chunk extensions and trailers',
    steps: [req(['POST /chunk-ext HTTP/1.1', HOST, 'Transfer-Encoding: chunked'], '3;ext=1\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n')],
    statuses: [200],
    connection: 'open',
    upstreams: [{ method: 'POST', url: '/chunk-ext', body: 'abc' }],
  },
  refused('chunk extensions above 16 KiB', [req(['POST /chunk-ext-big HTTP/1.1', HOST, 'Transfer-Encoding: chunked'], `3;ext=${'e'.repeat(20_000)}\r\nabc\r\n0\r\n\r\n`)], 413, 'SG_CHUNK_EXTENSIONS_TOO_LARGE'),
  {
    name: 'Content-Length with leading zeros',
    steps: [req(['POST /cl-zeros HTTP/1.1', HOST, 'Content-Length: 0003'], 'abc')],
    statuses: [200],
    connection: 'open',
    upstreams: [{ method: 'POST', url: '/cl-zeros', body: 'abc' }],
  },
  {
    name: 'GET with a body',
    steps: [req(['GET /get-body HTTP/1.1', HOST, 'Content-Length: 3'], 'abc')],
    statuses: [200],
    connection: 'open',
    upstreams: [{ method: 'GET', url: '/get-body', body: 'abc' }],
  },
  {
    name: 'a request hidden in a Content-Length body stays body',
    steps: [req(['POST /outer HTTP/1.1', HOST, `Content-Length: ${HIDDEN_REQUEST.length}`], HIDDEN_REQUEST)],
    statuses: [200],
    connection: 'open',
    upstreams: [{ method: 'POST', url: '/outer', body: HIDDEN_REQUEST }],
  },
  {
    name: 'pipelined requests are answered in order',
    steps: [req(['POST /one HTTP/1.1', HOST, 'Content-Length: 3'], 'abc') + req(['GET /two HTTP/1.1', HOST])],
    statuses: [200, 200],
    connection: 'open',
    upstreams: [
      { method: 'POST', url: '/one', body: 'abc' },
      { method: 'GET', url: '/two', body: '' },
    ],
  },
  // Methods, versions, Host.
  refused('invalid method token G@T', [req(['G@T / HTTP/1.1', HOST])]),
  refused('lower-case method', [req(['get / HTTP/1.1', HOST])]),
  refused('unknown method FOO', [req(['FOO / HTTP/1.1', HOST])]),
  refused('HTTP/2 connection preface on HTTP/1.1', ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n']),
  refused('HTTP/1.2', [req(['GET /v12 HTTP/1.2', HOST])]),
  refused('HTTP/1.1 without Host (Node answers)', [req(['GET /no-host HTTP/1.1'])], 400, null),
  // hasDuplicateHost: refused before the mirror or the proxy sees it (Node alone would forward the first).
  refused('two Host headers', [req(['GET /two-hosts HTTP/1.1', 'Host: a.test', 'Host: b.test'])], 400, 'SG_AMBIGUOUS_REQUEST'),
  refused('two Host headers on a path the router cannot decode', [req(['GET /a%zz HTTP/1.1', 'Host: a.test', 'Host: b.test'])], 400, 'SG_AMBIGUOUS_REQUEST'),
  refused('two Host headers on a WebSocket upgrade', [req(['GET /ws HTTP/1.1', 'Host: a.test', 'Host: b.test', 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13'])], 400, 'SG_AMBIGUOUS_REQUEST'),
  {
    name: 'HTTP/1.0 without Host',
    steps: [req(['GET /ten HTTP/1.0'])],
    statuses: [200],
    connection: 'closed',
    upstreams: [{ method: 'GET', url: '/ten', body: '' }],
  },
  // Sizes.
  refused('20 KB header', [req(['GET / HTTP/1.1', HOST, `X-Big: ${'a'.repeat(20_000)}`])], 431, 'SG_HEADERS_TOO_LARGE'),
  refused('20 KB URL', [req([`GET /${'a'.repeat(20_000)} HTTP/1.1`, HOST])], 431, 'SG_HEADERS_TOO_LARGE'),
  // Header injection: CR/LF and control bytes never get past the parser.
  refused('bare CR inside a header value', [req(['GET /cr HTTP/1.1', HOST, 'X-A: a\rX-Injected: 1'])]),
  refused('bare LF line endings', ['GET /lf HTTP/1.1\nHost: edge.test\nX-A: a\n\n']),
  refused('NUL inside a header value', [req(['GET /nul HTTP/1.1', HOST, 'X-A: a\x00b'])]),
  refused('control byte inside a header value', [req(['GET /ctl HTTP/1.1', HOST, 'X-A: a\x01b'])]),
  refused('DEL inside a header value', [req(['GET /del HTTP/1.1', HOST, 'X-A: a\x7fb'])]),
  refused('space inside a header name', [req(['GET /sp HTTP/1.1', HOST, 'X A: b'])]),
  refused('empty header name', [req(['GET /empty HTTP/1.1', HOST, ': b'])]),
  refused('space inside the request target', [req(['GET /a b HTTP/1.1', HOST])]),
  {
    name: 'percent-encoded CRLF in the target is forwarded verbatim, not decoded',
    steps: [req(['GET /a%0d%0aX-Injected:%201 HTTP/1.1', HOST])],
    statuses: [200],
    connection: 'open',
    upstreams: [{ method: 'GET', url: '/a%0d%0aX-Injected:%201', body: '' }],
  },
  // Expectations.
  {
    name: 'Expect: 100-continue',
    steps: [req(['POST /expect HTTP/1.1', HOST, 'Content-Length: 3', 'Expect: 100-continue']), { awaitResponses: 1 }, 'abc'],
    statuses: [100, 200],
    connection: 'open',
    upstreams: [{ method: 'POST', url: '/expect', body: 'abc' }],
  },
  {
    name: 'Expect: an unknown expectation (Node answers)',
    steps: [req(['POST /expect HTTP/1.1', HOST, 'Content-Length: 3', 'Expect: 200-ok'], 'abc')],
    statuses: [417],
    connection: 'open',
    upstreams: [],
  },
  // Targets.
  {
    name: 'absolute-form target goes to the configured primary as origin-form',
    steps: [req(['GET http://evil.test/abs?q=1 HTTP/1.1', HOST])],
    statuses: [200],
    connection: 'open',
    upstreams: [{ method: 'GET', url: '/abs?q=1', body: '' }],
  },
  { name: 'OPTIONS *', steps: [req(['OPTIONS * HTTP/1.1', HOST])], statuses: [400], code: 'SG_INVALID_REQUEST_TARGET', connection: 'open', upstreams: [] },
  { name: 'CONNECT (no tunnels: connection closed)', steps: [req(['CONNECT 127.0.0.1:1 HTTP/1.1', 'Host: 127.0.0.1:1'])], statuses: [], connection: 'closed', upstreams: [] },
  // Clients going away.
  {
    name: 'client hangs up mid-body (body holding a request)',
    steps: [req(['POST /cut HTTP/1.1', HOST, 'Content-Length: 1000'], HIDDEN_REQUEST), { pauseMs: 150 }, { destroy: true }],
    statuses: [],
    connection: 'client',
    upstreams: [],
  },
  refused('client half-closes mid-body', [req(['POST /half HTTP/1.1', HOST, 'Content-Length: 1000'], HIDDEN_REQUEST), { pauseMs: 150 }, { end: true }]),
  {
    name: 'client hangs up mid-response',
    steps: ['GET /stream HTTP/1.1\r\nHost: edge.test\r\n\r\n', { awaitText: 'first-chunk|' }, { destroy: true }],
    statuses: [],
    connection: 'client',
    upstreams: [{ method: 'GET', url: '/stream', body: '' }],
    async after(setup) {
      // The gateway gives up the primary exchange too, long before the primary would have ended it (3 s).
      const res = setup.streams.at(-1)
      expect(res).toBeDefined()
      await waitFor(() => res?.closed === true, 2_500, 'the primary response to be abandoned')
      expect(res?.writableFinished).toBe(false)
    },
  },
]

describe('bad input at the edge (raw sockets)', () => {
  let setup: EdgeSetup
  beforeAll(async () => {
    setup = await startEdgeSetup()
  })
  afterAll(async () => {
    await setup?.close()
  })

  it.each(ROWS.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const before = { primary: setup.primary.received.length, shadow: setup.shadow.received.length }
    const sameConnection = `GET /probe/same-connection HTTP/1.1\r\n${HOST}\r\n\r\n`
    const steps: RawStep[] = [...row.steps]
    if (row.connection === 'open') steps.push({ awaitResponses: row.statuses.length }, sameConnection, { awaitResponses: row.statuses.length + 1 })
    else if (row.connection === 'closed') steps.push({ awaitResponses: row.statuses.length })
    const res = await rawExchange(setup.gateway.port, steps, { awaitClose: row.connection === 'closed', timeoutMs: 6_000 })

    const statuses = res.responses.map((r) => r.status)
    expect(statuses).toEqual(row.connection === 'open' ? [...row.statuses, 200] : row.statuses)
    if (row.code !== undefined) {
      const last = res.responses[row.statuses.length - 1]
      expect(JSON.parse(last?.body.toString() ?? '{}')).toMatchObject({ code: row.code, error: expect.any(String) })
    }
    if (row.connection === 'closed') expect(res.serverClosed).toBe(true)
    await expectSameInterpretation(setup, before, row.upstreams)
    await row.after?.(setup)
    await expectStillServing(setup, row.name)
  })

  it('never let an injected header reach an upstream', () => {
    for (const r of [...setup.primary.received, ...setup.shadow.received]) {
      expect(r.headers['x-injected']).toBeUndefined()
      expect(r.url).not.toContain('/smuggled')
    }
    expect(setup.primary.received.length).toBeGreaterThan(ROWS.length)
  })
})
