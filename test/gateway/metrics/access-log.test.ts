import { pino } from 'pino'
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest'
import { startServer, type TestServer } from '@shadowgate/dev-helpers'
import { send, startGateway, type RunningGateway } from '../proxy/gateway-fixture.js'

// The access log: off by default; when on, one line per (sampled) request with the mirror decision.

describe('access log', () => {
  let primary: TestServer
  let shadow: TestServer
  let gateway: RunningGateway | undefined
  beforeAll(async () => {
    primary = await startServer((_req, res) => {
      res.end('hello')
    })
    shadow = await startServer((_req, res) => {
      res.end('{}')
    })
  })
  afterEach(async () => {
    await gateway?.close()
    gateway = undefined
  })
  afterAll(async () => {
    await primary?.close()
    await shadow?.close()
  })

  async function start(accessLog: Record<string, unknown> | undefined): Promise<Record<string, unknown>[]> {
    const lines: Record<string, unknown>[] = []
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) })
    gateway = await startGateway(
      {
        primary: primary.url,
        shadow: shadow.url,
        audit: { identityHeader: 'x-caller', redactQuery: ['token'] },
        ...(accessLog ? { accessLog } : {}),
        routes: [
          { name: 'copied', match: '/copied/*', mirror: { percent: 100 } },
          { name: 'kept', match: '/kept/*' },
        ],
      },
      { logger },
    )
    return lines
  }

  it('logs nothing per request by default', async () => {
    const lines = await start(undefined)
    await send(gateway!.url, '/kept/1')
    expect(lines.filter((l) => l.msg === 'request')).toEqual([])
  })

  it('logs route, method, redacted path, caller, status, latency, bytes and whether a copy left', async () => {
    const lines = await start({ enabled: true })
    await send(gateway!.url, '/copied/1?token=abc', { headers: { 'x-caller': 'alice' } })
    await send(gateway!.url, '/kept/2')
    const logged = lines.filter((l) => l.msg === 'request')
    expect(logged).toHaveLength(2)
    expect(logged[0]).toMatchObject({ level: 30, route: 'copied', method: 'GET', path: '/copied/1?token=[redacted]', caller: 'alice', status: 200, bytes: 5, mirrored: true })
    expect(logged[1]).toMatchObject({ route: 'kept', path: '/kept/2', caller: '(anonymous)', status: 200, mirrored: false })
    expect(typeof logged[0]?.latencyMs).toBe('number')
  })

  it('logs only the sampled share (sample 0 logs none)', async () => {
    const lines = await start({ enabled: true, sample: 0 })
    for (let i = 0; i < 5; i++) await send(gateway!.url, `/kept/${i}`)
    expect(lines.filter((l) => l.msg === 'request')).toEqual([])
  })
})
