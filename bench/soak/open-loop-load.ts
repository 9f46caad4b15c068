import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'

export interface LoadTally {
  readonly sent: number
  readonly ok: number
  /** Answers with a status other than 200. */
  readonly non200: number
  /** Connection errors and timeouts. */
  readonly errors: number
  /** The first few error messages. */
  readonly samples: readonly string[]
}

/**
 * Open-loop load: request i leaves at start + i / rps whatever happened to earlier ones (a slow
 * gateway gets more requests in flight, as from real users), on a keep-alive pool. Bounded: every
 * request has a deadline, and the run ends at most `timeoutMs` after the last send.
 */
export async function runOpenLoop(opts: { url: string; rps: number; durationMs: number; path: (i: number) => string; connections?: number; timeoutMs?: number }): Promise<LoadTally> {
  const timeoutMs = opts.timeoutMs ?? 10_000
  const pool = new Pool(opts.url, { connections: opts.connections ?? 64, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
  const total = Math.round((opts.rps * opts.durationMs) / 1_000)
  const interval = 1_000 / opts.rps
  let ok = 0
  let non200 = 0
  let errors = 0
  const samples: string[] = []
  const inFlight = new Set<Promise<void>>()
  const one = async (i: number): Promise<void> => {
    try {
      const res = await pool.request({ method: 'GET', path: opts.path(i), signal: AbortSignal.timeout(timeoutMs + 1_000) })
      await res.body.dump()
      if (res.statusCode === 200) ok++
      else non200++
    } catch (err) {
      errors++
      if (samples.length < 5) samples.push((err as Error).message)
    }
  }
  const start = performance.now()
  try {
    for (let i = 0; i < total; i++) {
      const wait = start + i * interval - performance.now()
      if (wait > 0) await sleep(wait)
      const p = one(i).finally(() => inFlight.delete(p))
      inFlight.add(p)
    }
    await Promise.all(inFlight)
  } finally {
    await pool.destroy().catch(() => undefined)
  }
  return { sent: total, ok, non200, errors, samples }
}
