import { setTimeout as sleep } from 'node:timers/promises'
import { startCaseRig, type GatewayCounts } from './case-rig.js'
import { STREAM_MS, STREAM_RPS, type FaultCase } from './fault-cases.js'
import type { FaultStack } from './fault-stack.js'
import { runSteadyStream, type StreamTally } from './steady-stream.js'
import { waitFor } from '@shadowgate/dev-helpers'

/** How long the pairs of a case may take to settle in the gateway (black-holed copies time out after mirror.timeout). */
const GATEWAY_SETTLE_MS = 30_000
/**
 * How long the audit may take to catch up: a SIGKILLed worker's jobs come back through BullMQ's
 * stalled-job check (lock 30 s, check every 30 s), and points held back while InfluxDB was down are
 * retried after 5 s, then 25 s.
 */
const AUDIT_SETTLE_MS = 150_000
/** Drain deadline of the gateway: proxy.timeout (30 s default) + 1 s, plus start-up slack. */
const GATEWAY_EXIT_MS = 40_000

export interface CaseResult {
  readonly title: string
  readonly stream: StreamTally
  readonly counts: GatewayCounts
  /** False when the gateway exited: its producer's final enqueued/dropped counts cannot be read any more. */
  readonly countsFinal: boolean
  /** Where `counts.mirrored` comes from. */
  readonly mirroredSource: 'admin /metrics' | 'shadowgate_gateway (final window)' | 'last /metrics scrape'
  readonly audited: Readonly<Record<string, number>>
  readonly auditedTotal: number
  readonly workerDroppedLines: number
  readonly shadowReceived: number
  readonly gatewayExit:
    | {
        readonly code: number | null
        readonly afterSignalMs: number | undefined
        /** When SIGTERM was sent, in ms since the stream started. */
        readonly signalAtMs: number
      }
    | undefined
  readonly settleErrors: readonly string[]
  readonly notes: readonly string[]
  /** From the end of the client stream until every pair was a point (or the bound passed). */
  readonly catchUpMs: number
  readonly seconds: number
}

/** Whether `check` came true within the bound (the case reports what did not settle instead of throwing). */
const poll = (check: () => Promise<boolean>, timeoutMs: number, intervalMs: number): Promise<boolean> =>
  waitFor(check, timeoutMs, 'condition', intervalMs).then(
    () => true,
    () => false,
  )

const sum = (r: Readonly<Record<string, number>>): number => Object.values(r).reduce((a, b) => a + b, 0)

/** Runs one case from fresh processes to settled counts; always stops what it started. */
export async function runFaultCase(stack: FaultStack, fc: FaultCase): Promise<CaseResult> {
  const t0 = Date.now()
  const rig = await startCaseRig(stack, fc.key)
  const settleErrors: string[] = []
  try {
    // While the gateway may go away, keep the last successful scrape: after exit there is none.
    let last: GatewayCounts | undefined
    let scraping = fc.gatewayExits === true
    const scraper = (async () => {
      while (scraping) {
        last = (await rig.gatewayCounts().catch(() => undefined)) ?? last
        await sleep(100)
      }
    })()
    let signalledAt: number | undefined
    let signalAtMs = Number.NaN
    const events = fc.events(rig, stack).map((ev) => ({
      atMs: ev.atMs,
      run: async (elapsedMs: number) => {
        if (fc.gatewayExits) {
          signalledAt = Date.now()
          signalAtMs = elapsedMs
        }
        await ev.run(elapsedMs)
      },
    }))
    const stream = await runSteadyStream({ url: rig.trafficUrl, rps: STREAM_RPS, durationMs: STREAM_MS, events })
    const streamEnded = Date.now()

    let counts: GatewayCounts
    let gatewayExit: CaseResult['gatewayExit']
    let mirroredSource: CaseResult['mirroredSource'] = 'admin /metrics'
    if (fc.gatewayExits) {
      const exit = await rig.gateway.waitExit(GATEWAY_EXIT_MS)
      scraping = false
      await scraper
      if (exit.timedOut) settleErrors.push(`the gateway did not exit within ${GATEWAY_EXIT_MS} ms of SIGTERM`)
      gatewayExit = { code: exit.code, signalAtMs, afterSignalMs: rig.gateway.exitedAt !== undefined && signalledAt !== undefined ? rig.gateway.exitedAt - signalledAt : undefined }
      if (!last) throw new Error(`no /metrics scrape succeeded before the gateway exited (${rig.gateway.output})`)
      // The last scrape can miss the final requests; the gateway's last counter window, written to InfluxDB at shutdown, does not.
      const reported = await rig.reportedCounters().catch(() => ({}) as Record<string, number>)
      if (reported['mirrored'] !== undefined) {
        const { mirrored, ...notMirrored } = reported
        counts = { ...last, mirrored, notMirrored, requests: sum(reported) }
        mirroredSource = 'shadowgate_gateway (final window)'
      } else {
        counts = last
        mirroredSource = 'last /metrics scrape'
      }
    } else {
      scraping = false
      await scraper
      let c: GatewayCounts | undefined
      const settled = await poll(async () => {
        c = await rig.gatewayCounts()
        return c.enqueued + c.droppedTotal === c.mirrored
      }, GATEWAY_SETTLE_MS, 250)
      if (!c) throw new Error(`the gateway's /metrics could not be read (${rig.gateway.output})`)
      if (!settled) settleErrors.push(`gateway pairs did not settle within ${GATEWAY_SETTLE_MS} ms: enqueued ${c.enqueued} + dropped ${c.droppedTotal} != mirrored ${c.mirrored}`)
      counts = c
    }

    // Every enqueued pair must end up as one point (for the drained gateway: every mirrored pair, since its last scrape is not final).
    const target = fc.gatewayExits ? counts.mirrored : counts.enqueued
    let audited: Record<string, number> = {}
    const caughtUp = await poll(async () => {
      audited = await rig.audited()
      return sum(audited) >= target
    }, AUDIT_SETTLE_MS, 500)
    if (!caughtUp) settleErrors.push(`audit did not catch up within ${AUDIT_SETTLE_MS} ms: ${sum(audited)} points for ${target} pairs`)
    const catchUpMs = Date.now() - streamEnded
    // A late duplicate (a re-run job written twice) would show up here, not as a shortfall.
    await sleep(1_000)
    audited = await rig.audited().catch(() => audited)
    return {
      title: fc.title,
      stream,
      counts,
      countsFinal: !fc.gatewayExits,
      mirroredSource,
      audited,
      auditedTotal: sum(audited),
      workerDroppedLines: await rig.workerDroppedLines().catch(() => Number.NaN),
      shadowReceived: rig.shadow.received,
      gatewayExit,
      settleErrors,
      notes: rig.notes,
      catchUpMs,
      seconds: (Date.now() - t0) / 1_000,
    }
  } finally {
    await rig.close()
  }
}
