import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { itemBody } from './item-body.js'

/** What became of one client request. `refused`: the connection was refused, so the request was never sent. */
export type RequestOutcome = 'ok' | 'failed' | 'refused'

export interface RequestRecord {
  readonly index: number
  /** ms since the stream started. */
  readonly sentAtMs: number
  doneAtMs: number
  outcome: RequestOutcome
  detail: string
}

export interface StreamTally {
  readonly sent: number
  readonly ok: number
  readonly failed: number
  readonly refused: number
  /** The first failures, for the assertion message. */
  readonly failures: readonly string[]
  readonly records: readonly RequestRecord[]
  /** Errors thrown by scheduled events (fault injection). */
  readonly eventErrors: readonly string[]
}

export interface StreamEvent {
  /** ms after the stream started. */
  readonly atMs: number
  /** Gets the actual ms since the stream started. */
  readonly run: (elapsedMs: number) => Promise<void> | void
}

export interface SteadyStreamOptions {
  readonly url: string
  readonly rps: number
  readonly durationMs: number
  /** Keep-alive connections of the client pool. */
  readonly connections?: number
  /** Bound of one request, headers and body. */
  readonly timeoutMs?: number
  readonly events?: readonly StreamEvent[]
}

function describe(err: unknown): string {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } }
  return `${e.code ?? e.cause?.code ?? e.name ?? 'Error'}: ${e.message ?? String(err)}`
}

function isRefused(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } }
  return e.code === 'ECONNREFUSED' || e.cause?.code === 'ECONNREFUSED'
}

/**
 * An open-loop client: request i leaves at start + i / rps whatever happened to earlier ones, on a
 * keep-alive pool, and each answer is checked for status 200 AND the exact body of its path.
 * Scheduled events (fault injections) run alongside without holding the stream back. Bounded:
 * every request has a deadline, so the stream ends at most `timeoutMs` after the last send.
 */
export async function runSteadyStream(opts: SteadyStreamOptions): Promise<StreamTally> {
  const pool = new Pool(opts.url, { connections: opts.connections ?? 16, headersTimeout: opts.timeoutMs ?? 15_000, bodyTimeout: opts.timeoutMs ?? 15_000 })
  const total = Math.round((opts.rps * opts.durationMs) / 1_000)
  const interval = 1_000 / opts.rps
  const records: RequestRecord[] = []
  const eventErrors: string[] = []
  const start = performance.now()
  const since = (): number => Math.round(performance.now() - start)

  const events = [...(opts.events ?? [])].sort((a, b) => a.atMs - b.atMs)
  const eventRuns = events.map(async (ev) => {
    await sleep(Math.max(0, ev.atMs - since()))
    try {
      await ev.run(since())
    } catch (err) {
      eventErrors.push(`at ${ev.atMs} ms: ${describe(err)}`)
    }
  })

  const one = async (index: number): Promise<void> => {
    const path = `/items/${index}`
    const rec: RequestRecord = { index, sentAtMs: since(), doneAtMs: 0, outcome: 'failed', detail: '' }
    records.push(rec)
    try {
      const res = await pool.request({ method: 'GET', path, signal: AbortSignal.timeout((opts.timeoutMs ?? 15_000) + 1_000) })
      const text = await res.body.text()
      if (res.statusCode !== 200) rec.detail = `status ${res.statusCode}: ${text.slice(0, 200)}`
      else if (text !== itemBody(path)) rec.detail = `wrong body for ${path}: ${text.slice(0, 200)}`
      else rec.outcome = 'ok'
    } catch (err) {
      rec.outcome = isRefused(err) ? 'refused' : 'failed'
      rec.detail = describe(err)
    } finally {
      rec.doneAtMs = since()
    }
  }

  const inFlight: Promise<void>[] = []
  try {
    for (let i = 0; i < total; i++) {
      const wait = start + i * interval - performance.now()
      if (wait > 0) await sleep(wait)
      inFlight.push(one(i))
    }
    await Promise.all(inFlight)
    await Promise.all(eventRuns)
  } finally {
    await pool.destroy().catch(() => undefined)
  }
  const count = (o: RequestOutcome): number => records.filter((r) => r.outcome === o).length
  return {
    sent: records.length,
    ok: count('ok'),
    failed: count('failed'),
    refused: count('refused'),
    failures: records.filter((r) => r.outcome === 'failed').slice(0, 10).map((r) => `#${r.index} sent at ${r.sentAtMs} ms: ${r.detail}`),
    records,
    eventErrors,
  }
}
