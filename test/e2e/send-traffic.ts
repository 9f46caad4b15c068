import { primaryBody, type DifferingRoute } from './differing-upstreams.js'

/** Requests in flight at once: enough to overlap copies and batches, few enough for a 2-core machine. */
const PARALLEL = 8
const REQUEST_TIMEOUT_MS = 15_000

/** What a client received when it was not the primary's answer. */
export interface WrongAnswer {
  readonly url: string
  readonly status: number
  readonly body: string
}

async function one(traffic: string, route: DifferingRoute, id: number): Promise<WrongAnswer | undefined> {
  const url = `${traffic}/${route}/${id}`
  const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  const text = await res.text()
  const expected = primaryBody(route, id)
  let got: unknown = text
  if (typeof expected !== 'string') {
    try {
      const { generatedAt: _noise, ...rest } = JSON.parse(text) as Record<string, unknown>
      got = rest
    } catch {
      got = undefined
    }
  }
  return res.status === 200 && JSON.stringify(got) === JSON.stringify(expected) ? undefined : { url, status: res.status, body: text.slice(0, 200) }
}

/**
 * Sends `count` GET requests to `/<route>/<id>` (ids from `firstId`) through the gateway, PARALLEL
 * at a time, and returns every answer that was not the primary's 200 with the primary's body.
 */
export async function sendRoute(traffic: string, route: DifferingRoute, count: number, firstId = 1): Promise<WrongAnswer[]> {
  const wrong: WrongAnswer[] = []
  for (let start = 0; start < count; start += PARALLEL) {
    const batch = Array.from({ length: Math.min(PARALLEL, count - start) }, (_, i) => one(traffic, route, firstId + start + i))
    for (const w of await Promise.all(batch)) if (w) wrong.push(w)
  }
  return wrong
}

/** Sends each route's count (in route order) and returns every wrong answer. */
export async function sendTraffic(traffic: string, plan: Readonly<Partial<Record<DifferingRoute, number>>>, firstId = 1): Promise<WrongAnswer[]> {
  const wrong: WrongAnswer[] = []
  for (const [route, count] of Object.entries(plan) as [DifferingRoute, number][]) wrong.push(...(await sendRoute(traffic, route, count, firstId)))
  return wrong
}

/** Requests no route rule matches: forwarded to the primary (which answers 404 here), counted `no_route`. */
export async function sendUnmatched(traffic: string, count: number): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${traffic}/nowhere/${i}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    await res.arrayBuffer()
    statuses.push(res.status)
  }
  return statuses
}
