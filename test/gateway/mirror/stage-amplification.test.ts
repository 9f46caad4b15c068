import type { MigrationStage } from '@shadowgate/shared'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { waitFor, startServer, type TestServer } from '@shadowgate/dev-helpers'
import type { MirrorPair, PairSink } from '../../../gateway/src/mirror/mirror-pair.js'
import { send, startGateway, type RunningGateway } from '../proxy/gateway-fixture.js'
import { DialSettings } from './dial-settings.js'

/** Dial settings with a stage and a serve percent, as the runtime settings hold them. */
class StagedDial extends DialSettings {
  stageNow: MigrationStage = 'shadow'
  serve = 0
  stage(): MigrationStage {
    return this.stageNow
  }
  servePercent(): number {
    return this.serve
  }
}

// Amplification is load on the new side: copies to the old side (the new side serving) are one at most.
describe('mirror: amplification by stage', () => {
  let oldSide: TestServer
  let newSide: TestServer
  let dial: StagedDial
  const pairs: MirrorPair[] = []
  const sink: PairSink = { maxBodyBytes: 10_000, accepts: () => true, push: (p) => void pairs.push(p) }
  let gateway: RunningGateway

  beforeAll(async () => {
    oldSide = await startServer((_req, res) => void res.end('old'))
    newSide = await startServer((_req, res) => void res.end('new'))
    dial = new StagedDial(300, oldSide.url, newSide.url)
    gateway = await startGateway({ primary: oldSide.url, shadow: newSide.url, routes: [{ name: 'items', match: '/items/*' }] }, { settings: dial, pairSink: sink })
  })
  afterEach(() => {
    oldSide.received.length = 0
    newSide.received.length = 0
    pairs.length = 0
  })
  afterAll(async () => {
    await gateway?.close()
    await oldSide?.close()
    await newSide?.close()
  })

  function copyHeaders(server: TestServer): string[] {
    return server.received.map((r) => String(r.headers['x-shadowgate-copy'] ?? ''))
  }

  it('canary, reads served by the old side: the new side gets the amplified copies', async () => {
    dial.stageNow = 'canary'
    dial.serve = 0
    const n = 10
    for (let i = 0; i < n; i++) expect((await send(gateway.url, `/items/c${i}`)).body.toString()).toBe('old')
    await waitFor(() => newSide.received.length >= 3 * n && pairs.length >= n, 10_000, 'the copies')
    expect(copyHeaders(newSide).filter((h) => h === '1/3')).toHaveLength(n)
    expect(oldSide.received).toHaveLength(n)
  })

  it.each([
    ['canary', 100],
    ['final', 0],
  ] as const)('%s, reads served by the new side: the old side gets one copy per read at 300 percent', async (stage, serve) => {
    dial.stageNow = stage
    dial.serve = serve
    const n = 10
    for (let i = 0; i < n; i++) expect((await send(gateway.url, `/items/${stage}${i}`)).body.toString()).toBe('new')
    await waitFor(() => oldSide.received.length >= n && pairs.length >= n, 10_000, 'the copies to the old side')
    await new Promise((r) => setTimeout(r, 200))
    expect(oldSide.received).toHaveLength(n)
    expect(copyHeaders(oldSide).every((h) => h === '')).toBe(true)
    expect(newSide.received).toHaveLength(n)
    expect(pairs.every((p) => p.served === 'new')).toBe(true)
  })
})
