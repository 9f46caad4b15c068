import type { CaseResult } from './run-fault-case.js'

const list = (r: Readonly<Record<string, number>>): string =>
  Object.entries(r)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || '0'

/** Whether audited + dropped = mirrored holds; for the drained gateway dropped is unknown, so audited must equal mirrored. */
export function invariantHolds(r: CaseResult): boolean {
  return r.countsFinal ? r.auditedTotal + r.counts.droppedTotal === r.counts.mirrored : r.auditedTotal === r.counts.mirrored
}

/** One markdown row per case, in the order run. */
export function formatFaultMatrix(results: readonly CaseResult[]): string {
  const head = ['case', 'requests', 'succeeded', 'failed', 'refused after close', 'mirrored', 'not mirrored', 'enqueued', 'audited (by outcome)', 'dropped (by reason)', 'audited + dropped = mirrored']
  const rows = results.map((r) => {
    const c = r.counts
    const audited = `${r.auditedTotal}${r.auditedTotal > 0 ? ` (${list(r.audited)})` : ''}`
    const dropped = r.countsFinal ? `${c.droppedTotal}${c.droppedTotal > 0 ? ` (${list(c.dropped)})` : ''}` : 'n/a (exited)'
    const sum = r.countsFinal ? `${r.auditedTotal} + ${c.droppedTotal} = ${c.mirrored}` : `${r.auditedTotal} = ${c.mirrored}`
    return [
      r.title,
      String(r.stream.sent),
      String(r.stream.ok),
      String(r.stream.failed),
      String(r.stream.refused),
      String(c.mirrored),
      list(c.notMirrored),
      r.countsFinal ? String(c.enqueued) : 'n/a (exited)',
      audited,
      dropped,
      `${sum} ${invariantHolds(r) ? 'yes' : 'NO'}`,
    ]
  })
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n')
}

/** Per-case details the table has no room for: timings, shadow receipts, the drain, worker line drops. */
export function formatFaultNotes(results: readonly CaseResult[]): string {
  return results
    .map((r) => {
      const parts = [`case ${r.seconds.toFixed(0)} s, audit complete ${(r.catchUpMs / 1_000).toFixed(1)} s after the stream`, ...r.notes, `shadow received ${r.shadowReceived}`, `worker influx lines dropped ${r.workerDroppedLines}`]
      if (r.gatewayExit) {
        const at = r.gatewayExit.signalAtMs
        const served = r.stream.records.filter((x) => x.outcome === 'ok' && x.sentAtMs >= at).length
        const firstRefused = Math.min(...r.stream.records.filter((x) => x.outcome === 'refused').map((x) => x.doneAtMs))
        parts.push(`SIGTERM at ${at} ms; ${served} requests sent after it were still served on open keep-alive connections`)
        parts.push(`first refused connection reported at ${firstRefused} ms`)
        parts.push(`gateway exit code ${r.gatewayExit.code} ${r.gatewayExit.afterSignalMs ?? '?'} ms after SIGTERM`)
      }
      if (r.mirroredSource !== 'admin /metrics') parts.push(`mirrored from ${r.mirroredSource}`)
      if (r.stream.eventErrors.length > 0) parts.push(`fault injection errors: ${r.stream.eventErrors.join('; ')}`)
      if (r.stream.failures.length > 0) parts.push(`FAILED REQUESTS: ${r.stream.failures.slice(0, 3).join('; ')}`)
      if (r.settleErrors.length > 0) parts.push(`NOT SETTLED: ${r.settleErrors.join('; ')}`)
      return `- ${r.title}: ${parts.join('; ')}`
    })
    .join('\n')
}
