import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor, startServer, type TestServer } from '@shadowgate/dev-helpers'
import { send, startGateway, type RunningGateway } from '../proxy/gateway-fixture.js'
import { DialSettings } from './dial-settings.js'

describe('mirror: sticky sampling across gateway instances', () => {
  let origin: TestServer
  const shadows: TestServer[] = []
  const gateways: RunningGateway[] = []
  const dials: DialSettings[] = []
  const keys = Array.from({ length: 150 }, (_, i) => `user-${i}`)

  beforeAll(async () => {
    origin = await startServer((_req, res) => void res.end('primary'))
    for (let i = 0; i < 2; i++) {
      const shadow = await startServer((_req, res) => void res.end('shadow'))
      const dial = new DialSettings(20, origin.url, shadow.url)
      shadows.push(shadow)
      dials.push(dial)
      gateways.push(
        await startGateway(
          { primary: origin.url, shadow: shadow.url, routes: [{ name: 'profile', match: '/profile/*', mirror: { percent: 20, sticky: 'header:X-User-Id' } }] },
          { settings: dial },
        ),
      )
    }
  })
  afterAll(async () => {
    for (const g of gateways) await g.close()
    for (const s of shadows) await s.close()
    await origin?.close()
  })

  /** Sends every key through one gateway (tagged with a round) and returns the keys its shadow received. */
  async function mirroredKeys(g: number, round: string): Promise<Set<string>> {
    const gateway = gateways[g] as RunningGateway
    const shadow = shadows[g] as TestServer
    const before = gateway.metrics.snapshot()['profile']?.mirrored ?? 0
    for (const key of keys) await send(gateway.url, `/profile/${round}`, { headers: { 'x-user-id': key } })
    const expected = (gateway.metrics.snapshot()['profile']?.mirrored ?? 0) - before
    const copies = (): string[] => shadow.received.filter((r) => r.url === `/profile/${round}`).map((r) => String(r.headers['x-user-id']))
    await waitFor(() => copies().length === expected, 10_000, 'every counted copy to arrive')
    return new Set(copies())
  }

  it('mirrors the same keys on two instances, and the same keys again on a second pass', async () => {
    const a = await mirroredKeys(0, 'first')
    const b = await mirroredKeys(1, 'first')
    expect(a.size).toBeGreaterThan(0)
    expect(a.size).toBeLessThan(keys.length)
    expect([...b].sort()).toEqual([...a].sort())
    expect([...(await mirroredKeys(0, 'again'))].sort()).toEqual([...a].sort())
  })

  it('only adds keys when the percent is raised', async () => {
    const before = await mirroredKeys(0, 'at-20')
    for (const dial of dials) dial.percent = 60
    const after = await mirroredKeys(0, 'at-60')
    const other = await mirroredKeys(1, 'at-60')
    for (const key of before) expect(after.has(key)).toBe(true)
    expect(after.size).toBeGreaterThan(before.size)
    expect([...other].sort()).toEqual([...after].sort())
  })

  it('falls back to random sampling for requests without the key', async () => {
    for (const dial of dials) dial.percent = 100
    const before = gateways[0]?.metrics.snapshot()['profile']?.mirrored ?? 0
    await send((gateways[0] as RunningGateway).url, '/profile/anonymous')
    expect(gateways[0]?.metrics.snapshot()['profile']?.mirrored).toBe(before + 1)
  })
})
