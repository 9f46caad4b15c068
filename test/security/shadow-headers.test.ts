// Claims of SECURITY.md, section "What the shadow receives".
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send, startGateway, type RunningGateway } from '../gateway/proxy/gateway-fixture.js'
import { waitFor, startServer, type ReceivedRequest, type TestServer } from '@shadowgate/dev-helpers'

const CLIENT_HEADERS = {
  authorization: 'Bearer user-secret-token',
  cookie: 'sid=user-session',
  'x-api-key': 'user-api-key',
  'x-custom': 'kept',
  'proxy-authorization': 'Basic cHJveHk6c2VjcmV0',
  'x-hop': 'named by Connection',
  connection: 'keep-alive, x-hop',
  'keep-alive': 'timeout=5',
  te: 'trailers',
  'content-type': 'application/json',
}

describe('what the shadow receives', () => {
  let primary: TestServer
  let shadow: TestServer
  let gateway: RunningGateway

  beforeAll(async () => {
    primary = await startServer((_req, res) => {
      res.end('primary')
    })
    shadow = await startServer((_req, res) => {
      res.end('shadow')
    })
    gateway = await startGateway({
      primary: primary.url,
      shadow: shadow.url,
      routes: [
        { name: 'as-is', match: '/as-is', mirror: { percent: 100, methods: ['POST'] } },
        {
          name: 'scrubbed',
          match: '/scrubbed',
          mirror: { percent: 100, methods: ['POST'], headers: { remove: ['cookie', 'x-api-key'], set: { authorization: 'Bearer shadow-only-token', 'x-environment': 'shadow' } } },
        },
        { name: 'marker', match: '/marker', mirror: { percent: 100, headers: { remove: ['x-shadowgate-mirror'] } } },
      ],
    })
  })
  afterAll(async () => {
    await gateway?.close()
    await primary?.close()
    await shadow?.close()
  })

  async function exchange(path: string, method = 'POST'): Promise<{ atPrimary: ReceivedRequest; atShadow: ReceivedRequest }> {
    const body = method === 'POST' ? '{"card":"4111 1111 1111 1111"}' : undefined
    const res = await send(gateway.url, path, { method, headers: CLIENT_HEADERS, ...(body === undefined ? {} : { body }) })
    expect(res.status).toBe(200)
    await waitFor(() => shadow.received.some((r) => r.url === path), 5_000, `the copy of ${path}`)
    const atPrimary = primary.received.find((r) => r.url === path)
    const atShadow = shadow.received.find((r) => r.url === path)
    if (atPrimary === undefined || atShadow === undefined) throw new Error('missing request')
    return { atPrimary, atShadow }
  }

  it('by default gets the same headers and body as the primary, credentials included, plus the mirror marker', async () => {
    const { atPrimary, atShadow } = await exchange('/as-is')
    const { 'x-shadowgate-mirror': marker, ...rest } = atShadow.headers
    expect(marker).toBe('1')
    expect(rest).toEqual(atPrimary.headers)
    expect(atShadow.body.equals(atPrimary.body)).toBe(true)
    expect(atShadow.headers).toMatchObject({ authorization: 'Bearer user-secret-token', cookie: 'sid=user-session', 'x-api-key': 'user-api-key', 'x-custom': 'kept' })
    expect(atShadow.headers['x-forwarded-for']).toBe('127.0.0.1')
  })

  it('never gets hop-by-hop headers (Connection and what it names, Keep-Alive, TE, Proxy-*)', async () => {
    const { atPrimary, atShadow } = await exchange('/as-is')
    for (const h of ['proxy-authorization', 'x-hop', 'keep-alive', 'te']) {
      expect(atShadow.headers[h]).toBeUndefined()
      expect(atPrimary.headers[h]).toBeUndefined()
    }
  })

  it('mirror.headers.remove / .set strip and replace headers on the copy only', async () => {
    const { atPrimary, atShadow } = await exchange('/scrubbed')
    expect(atPrimary.headers).toMatchObject({ authorization: 'Bearer user-secret-token', cookie: 'sid=user-session', 'x-api-key': 'user-api-key' })
    expect(atPrimary.headers['x-environment']).toBeUndefined()
    expect(atShadow.headers).toMatchObject({ authorization: 'Bearer shadow-only-token', 'x-environment': 'shadow', 'x-custom': 'kept', 'x-shadowgate-mirror': '1' })
    expect(atShadow.headers.cookie).toBeUndefined()
    expect(atShadow.headers['x-api-key']).toBeUndefined()
  })

  it('always carries the mirror marker, even when a rule tries to remove it', async () => {
    const { atShadow } = await exchange('/marker', 'GET')
    expect(atShadow.headers['x-shadowgate-mirror']).toBe('1')
  })
})
