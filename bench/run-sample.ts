import type { BenchChildProcess } from './bench-child-process.js'
import type { ChildStats } from './child-protocol.js'
import type { LoadGenerator, LoadResult } from './load/load-result.js'

/** One measured run of one target. */
export interface RunSample {
  readonly load: LoadResult
  /** Requests the shadow received during the run (including copies that landed after it, see settle). */
  readonly shadowReceived: number | undefined
  readonly rssBytes: number | undefined
  /** CPU of the proxy process (all its threads) per completed request, µs. */
  readonly cpuUsPerRequest: number | undefined
  /** Busy time of the proxy's event loop (its main thread) per completed request, µs. */
  readonly loopUsPerRequest: number | undefined
  /** shadowgate counters accumulated during the run. */
  readonly mirrored: number | undefined
  readonly notMirrored: Readonly<Record<string, number>> | undefined
  readonly shadowErrors: number | undefined
  readonly audit: Readonly<Record<string, number>> | undefined
}

export interface RunContext {
  readonly generate: LoadGenerator
  readonly url: string
  readonly connections: number
  readonly durationS: number
  readonly warmupS: number
  readonly proxy: BenchChildProcess | undefined
  readonly shadow: BenchChildProcess | undefined
}

const SETTLE_QUIET_MS = 700
const SETTLE_MAX_MS = 6_000

/**
 * Waits until the shadow's count stops moving (copies still queued in the proxy's shadow pool land
 * after the load ends), bounded so a stuck shadow cannot stall the bench.
 */
async function settle(shadow: BenchChildProcess | undefined): Promise<number | undefined> {
  if (!shadow) return undefined
  const deadline = Date.now() + SETTLE_MAX_MS
  let last = (await shadow.stats()).received ?? 0
  let quietSince = Date.now()
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100))
    const now = (await shadow.stats()).received ?? 0
    if (now !== last) {
      last = now
      quietSince = Date.now()
    } else if (Date.now() - quietSince >= SETTLE_QUIET_MS) break
  }
  return last
}

function diff(after: Readonly<Record<string, number>> | undefined, before: Readonly<Record<string, number>> | undefined): Record<string, number> | undefined {
  if (!after) return undefined
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before?.[k] ?? 0)]))
}

function delta(after: number | undefined, before: number | undefined): number | undefined {
  return after === undefined ? undefined : after - (before ?? 0)
}

function perRequest(total: number | undefined, requests: number, scale = 1): number | undefined {
  return total === undefined || requests <= 0 ? undefined : (total * scale) / requests
}

/** Warm-up, then one measured run, with counters read around it. */
export async function measureRun(ctx: RunContext): Promise<RunSample> {
  const spec = { url: ctx.url, connections: ctx.connections }
  if (ctx.warmupS > 0) await ctx.generate({ ...spec, durationS: ctx.warmupS })
  const shadowBefore = await settle(ctx.shadow)
  const before: ChildStats | undefined = await ctx.proxy?.stats()
  const load = await ctx.generate({ ...spec, durationS: ctx.durationS })
  // RSS right at the end of the load, before the process can shrink back.
  const after: ChildStats | undefined = await ctx.proxy?.stats()
  const shadowAfter = await settle(ctx.shadow)
  const late: ChildStats | undefined = ctx.shadow ? await ctx.proxy?.stats() : after
  return {
    load,
    shadowReceived: delta(shadowAfter, shadowBefore),
    rssBytes: after?.rssBytes,
    cpuUsPerRequest: perRequest(delta(after?.cpuMicros, before?.cpuMicros), load.requests),
    loopUsPerRequest: perRequest(delta(after?.loopActiveMs, before?.loopActiveMs), load.requests, 1_000),
    // Read after settling: copies that waited in the shadow pool are counted when they finish.
    mirrored: delta(late?.mirrored, before?.mirrored),
    notMirrored: diff(late?.notMirrored, before?.notMirrored),
    shadowErrors: delta(late?.shadowErrors, before?.shadowErrors),
    audit: diff(late?.audit, before?.audit),
  }
}
