import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { outerTmpdir } from '../support/test-run-guard.js'
import { FAULT_CASES, STREAM_MS, STREAM_RPS, type FaultCase } from './fault-cases.js'
import { startFaultStack, type FaultStack } from './fault-stack.js'
import { formatFaultMatrix, formatFaultNotes, invariantHolds } from './fault-table.js'
import { runFaultCase, type CaseResult } from './run-fault-case.js'

/** Where the printed matrix is also written, for docs/faults.md: the machine's temp dir, which outlives the run's own. */
const FAULT_MATRIX_FILE = join(outerTmpdir(), 'shadowgate-fault-matrix.md')

const byKey = (key: string): FaultCase => {
  const fc = FAULT_CASES.find((c) => c.key === key)
  if (!fc) throw new Error(`no fault case ${key}`)
  return fc
}

/** What each case must show besides zero client failures and the audit invariant: proof the fault really happened. */
const FAULT_EVIDENCE: Record<string, (r: CaseResult) => void> = {
  baseline: (r) => expect(r.audited).toEqual({ match: r.counts.mirrored }),
  shadow_stopped: (r) => expect((r.audited['shadow_error'] ?? 0) + (r.counts.notMirrored['circuit_open'] ?? 0)).toBeGreaterThan(0),
  shadow_slow: (r) => expect(r.audited).toEqual({ match: r.counts.mirrored }),
  shadow_black_hole: (r) => expect(r.audited['shadow_timeout'] ?? 0).toBeGreaterThan(0),
  shadow_reset: (r) => expect(r.audited['shadow_error'] ?? 0).toBeGreaterThan(0),
  redis_restart: (r) => expect(r.counts.dropped['dropped_redis'] ?? 0).toBeGreaterThan(0),
  influx_restart: (r) => expect(r.counts.droppedTotal).toBe(0),
  worker_kill: (r) => expect(r.counts.droppedTotal).toBe(0),
  // The captures the stalled clients kept alive filled audit.maxCaptureBytesTotal: later pairs were dropped and counted.
  slow_readers: (r) => expect(r.counts.dropped['dropped_capture_budget'] ?? 0).toBeGreaterThan(0),
  influx_down_worker_kill: (r) => {
    expect(r.counts.droppedTotal).toBe(0)
    expect(r.notes.join(' ')).toMatch(/SIGKILL while [1-9][0-9]* job\(s\) waited/)
  },
  redis_frozen: (r) => {
    // Unanswered writes were reconciled once Redis ran them: counted enqueued, not dropped.
    expect(r.counts.reconciled['enqueued'] ?? 0).toBeGreaterThan(0)
    expect(r.counts.dropped['dropped_redis'] ?? 0).toBe(0)
    expect(r.counts.unknown).toBe(0)
  },
  gateway_sigterm: (r) => {
    expect(r.gatewayExit?.code).toBe(0)
    // proxy.timeout (30 s) + 1 s is the drain deadline.
    expect(r.gatewayExit?.afterSignalMs ?? Infinity).toBeLessThan(31_000)
    const at = r.gatewayExit?.signalAtMs ?? Number.NaN
    // The listener really closed while the client kept trying: later connections were refused...
    const refused = r.stream.records.filter((x) => x.outcome === 'refused')
    expect(refused.length).toBeGreaterThan(0)
    // ...and only after SIGTERM: no connection was refused while the gateway was serving.
    expect(refused.filter((x) => x.doneAtMs < at)).toEqual([])
    // Requests sent before the signal all completed (failed = 0 above covers the rest).
    expect(r.stream.records.filter((x) => x.sentAtMs < at && x.outcome === 'failed')).toEqual([])
  },
}

// Real processes (gateway and worker from the built CLIs, redis-server, influxd) and real faults:
// run through `npm run test:faults` (it builds first). See docs/faults.md for the measured matrix.
describe(`fault matrix: ${STREAM_RPS * (STREAM_MS / 1_000)} requests over ${STREAM_MS / 1_000} s at 100 % mirror per case`, () => {
  let stack: FaultStack | undefined
  const results: CaseResult[] = []

  beforeAll(async () => {
    stack = await startFaultStack()
  }, 90_000)

  afterAll(async () => {
    if (results.length > 0) {
      const text = `${formatFaultMatrix(results)}\n\n${formatFaultNotes(results)}\n`
      process.stdout.write(`\nfault matrix (${new Date().toISOString()}, node ${process.version}):\n\n${text}\n(also written to ${FAULT_MATRIX_FILE})\n`)
      await writeFile(FAULT_MATRIX_FILE, text)
    }
    await stack?.close()
  }, 60_000)

  for (const fc of FAULT_CASES) {
    it(`${fc.title}: no client request fails and audited + dropped = mirrored`, async () => {
      if (!stack) throw new Error('the fault stack did not start')
      const r = await runFaultCase(stack, byKey(fc.key))
      results.push(r)
      expect(r.stream.eventErrors).toEqual([])
      expect(r.stream.failures).toEqual([])
      expect(r.stream.failed).toBe(0)
      if (!fc.gatewayExits) {
        expect(r.stream.refused).toBe(0)
        expect(r.stream.ok).toBe(r.stream.sent)
      }
      expect(r.settleErrors).toEqual([])
      expect(r.workerDroppedLines).toBe(0)
      expect(r.counts.mirrored).toBeGreaterThan(0)
      expect(invariantHolds(r), `audited ${r.auditedTotal} + dropped ${r.counts.droppedTotal} vs mirrored ${r.counts.mirrored}`).toBe(true)
      FAULT_EVIDENCE[fc.key]?.(r)
    }, 240_000)
  }
})
