import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { replayHeaders, replayRequest, unreplayableReason } from '../../../audit-service/src/recheck/replay-request.js'
import { freePort, startServer, type TestServer } from '@shadowgate/dev-helpers'
import type { CapturedRequest } from '@shadowgate/shared'

function request(over: Partial<CapturedRequest> = {}): CapturedRequest {
  return { method: 'GET', path: '/items/1', query: 'page=2', headers: { accept: 'application/json' }, bodySize: 0, bodySha256: '', caller: '10.0.0.1', ...over }
}

describe('unreplayableReason', () => {
  it.each([
    [request(), undefined],
    [request({ method: 'head' }), undefined],
    [request({ method: 'POST' }), 'method'],
    [request({ bodySize: 10 }), 'request_body'],
    [request({ query: 'token=%5Bredacted%5D' }), 'redacted_query'],
    [request({ query: 'token=[redacted]' }), 'redacted_query'],
  ] as const)('%o → %s', (req, expected) => {
    expect(unreplayableReason(req)).toBe(expected)
  })
})

describe('replayHeaders', () => {
  it('drops redacted values and connection headers, adds the route headers and both markers', () => {
    const h = replayHeaders(
      { accept: 'application/json', authorization: '[redacted]', cookie: ['[redacted]', '[redacted]'], host: 'api.example', 'content-length': '0', 'x-tenant': ['a', 'b'] },
      { headers: { authorization: 'Bearer service' }, purposeHeader: 'x-shadowgate-recheck' },
    )
    expect(h).toEqual({ accept: 'application/json', 'x-tenant': 'a, b', authorization: 'Bearer service', 'x-shadowgate-mirror': '1', 'x-shadowgate-recheck': '1' })
  })
})

describe('replayRequest (real server)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer((req, res) => {
      res.setHeader('content-type', 'text/plain')
      res.end(req.url === '/big' ? 'x'.repeat(5_000) : `seen ${req.url}`)
    })
  })
  afterAll(async () => server?.close())

  const opts = { timeoutMs: 2_000, maxBodyBytes: 1_000, headers: {}, purposeHeader: 'x-shadowgate-noise' }

  it('sends the captured path and query and returns the answer as a captured response', async () => {
    const out = await replayRequest(server.url, request(), opts)
    expect(out.kind === 'response' && [out.status, Buffer.from(out.body.data as string, 'base64').toString(), out.body.truncated]).toEqual([200, 'seen /items/1?page=2', false])
    expect(server.received.at(-1)?.headers['x-shadowgate-noise']).toBe('1')
  })

  it('cuts a body at maxBodyBytes and flags it truncated', async () => {
    const out = await replayRequest(server.url, request({ path: '/big', query: '' }), opts)
    expect(out.kind === 'response' && [out.body.size, out.body.truncated]).toEqual([1_000, true])
  })

  it('reports a closed port as refused, never throws', async () => {
    const out = await replayRequest(`http://127.0.0.1:${await freePort()}`, request(), opts)
    expect(out.kind === 'error' && out.error).toBe('refused')
  })
})
