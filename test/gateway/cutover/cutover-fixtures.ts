import { startServer, type TestServer } from '@shadowgate/dev-helpers'
import { MIRROR_MARKER_HEADER } from '../../../gateway/src/mirror/mirror-marker.js'

/** An upstream that records when each served (not copied) request arrived. */
export interface SideServer {
  readonly server: TestServer
  /** Date.now() at the arrival of each request this side served (copies from the mirror are left out). */
  readonly arrivals: number[]
}

export async function startSide(side: 'old' | 'new'): Promise<SideServer> {
  const arrivals: number[] = []
  const server = await startServer((req, res) => {
    if (req.headers[MIRROR_MARKER_HEADER] === undefined) arrivals.push(Date.now())
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ side }))
  })
  return { server, arrivals }
}

export interface LoadResult {
  readonly status: number
  readonly side: string | undefined
  readonly sentAt: number
  readonly ms: number
  readonly error: string | undefined
}

async function one(url: string): Promise<LoadResult> {
  const sentAt = Date.now()
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) })
    const body = (await res.json()) as { side?: string }
    return { status: res.status, side: body.side, sentAt, ms: Date.now() - sentAt, error: undefined }
  } catch (err) {
    return { status: 0, side: undefined, sentAt, ms: Date.now() - sentAt, error: (err as Error).message }
  }
}

/** Open-loop load: one request every `everyMs`, alternating between the gateways, until stop(). */
export function startLoad(gateways: readonly string[], path: string, everyMs: number): { stop(): Promise<LoadResult[]> } {
  const pending: Promise<LoadResult>[] = []
  let i = 0
  const timer = setInterval(() => {
    const gw = gateways[i++ % gateways.length] ?? ''
    pending.push(one(`${gw}${path}/${i}`))
  }, everyMs)
  return {
    async stop() {
      clearInterval(timer)
      return await Promise.all(pending)
    },
  }
}

/** Sends `n` requests now (they are held when the route is), resolving when all are answered. */
export function burst(gateways: readonly string[], path: string, n: number): Promise<LoadResult[]> {
  return Promise.all(Array.from({ length: n }, (_, k) => one(`${gateways[k % gateways.length] ?? ''}${path}/b${k}`)))
}
