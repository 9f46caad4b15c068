import { AUDIT_WORKER_NODE_FLAGS } from '@shadowgate/audit-service/cli'
import { DEFAULT_AUDIT_BATCH_SIZE, DEFAULT_WORKER_CONCURRENCY } from '@shadowgate/shared'
import type { MachineInfo } from '../report/machine-info.js'
import type { RssSummary } from './rss-sampler.js'

/** RSS target of the gateway and the worker with default limits. */
export const RSS_TARGET_MIB = 200
/** Above this growth of the mean RSS from the second to the last quarter of a phase, RSS is still climbing: no plateau. */
export const PLATEAU_MAX_GROWTH = 0.1

export interface GatewayPhaseRow {
  readonly phase: string
  readonly minutes: number
  readonly requests: number
  readonly ok: number
  readonly failed: number
  readonly mirrored: number
  readonly notMirrored: Readonly<Record<string, number>>
  readonly auditPairs: Readonly<Record<string, number>>
  readonly rss: RssSummary
  /** Highest V8 heap in use seen during the phase (from the admin /metrics), MiB. */
  readonly heapUsedMaxMiB: number
}

export interface WorkerPhaseRow {
  /** worker.concurrency used. */
  readonly concurrency: number
  /** Backlog the queue was topped up to every second. */
  readonly backlog: number
  /** Smallest backlog seen before a top-up. */
  readonly lowestBacklog: number
  /** Pairs judged during the phase (added and no longer queued once the worker stopped). */
  readonly processed: number
  readonly seconds: number
  /** shadowgate_audit points written: one per judged pair. */
  readonly points: number
  readonly rss: RssSummary
}

const list = (r: Readonly<Record<string, number>>): string =>
  Object.entries(r)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || '0'

const mib = (n: number): string => n.toFixed(1)
const pct = (f: number): string => `${f >= 0 ? '+' : ''}${(f * 100).toFixed(1)} %`

function rssVerdict(rss: RssSummary): { pass: boolean; why: string } {
  const under = rss.maxMiB <= RSS_TARGET_MIB
  const flat = rss.growth <= PLATEAU_MAX_GROWTH
  const enough = rss.samples >= 8
  const why = [
    under ? `max ≤ ${RSS_TARGET_MIB} MiB` : `max ${mib(rss.maxMiB)} MiB > ${RSS_TARGET_MIB} MiB`,
    flat ? `plateau (${pct(rss.growth)})` : `still growing (${pct(rss.growth)})`,
    ...(enough ? [] : [`only ${rss.samples} samples: too short to tell`]),
  ].join(', ')
  return { pass: under && flat && enough, why }
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n')
}

export function formatSoakReport(o: { startedAt: Date; seconds: number; machine: MachineInfo; loadAtEnd: number; rps: number; gateway: readonly GatewayPhaseRow[]; worker: WorkerPhaseRow | undefined; sampleS: number }): { text: string; pass: boolean } {
  const verdicts: string[] = []
  let pass = true
  const gwRows = o.gateway.map((g) => {
    const v = rssVerdict(g.rss)
    const ok = v.pass && g.failed === 0
    pass &&= ok
    verdicts.push(`${ok ? 'PASS' : 'FAIL'} gateway, ${g.phase}: ${v.why}${g.failed === 0 ? ', no client request failed' : `, ${g.failed} client requests FAILED`}`)
    return [g.phase, `${g.minutes}`, String(g.requests), String(g.ok), String(g.failed), String(g.mirrored), list(g.notMirrored), list(g.auditPairs), mib(g.rss.startMiB), mib(g.rss.maxMiB), mib(g.rss.endMiB), pct(g.rss.growth), mib(g.heapUsedMaxMiB), ok ? 'PASS' : 'FAIL']
  })
  const parts = [`shadowgate soak (${o.startedAt.toISOString()}, ${o.seconds.toFixed(0)} s): ${o.machine.cores} × ${o.machine.cpuModel}, ${o.machine.memoryGiB} GiB, node ${o.machine.node}, load average ${o.machine.loadAtStart.toFixed(2)} at start, ${o.loadAtEnd.toFixed(2)} at end`]
  if (o.gateway.length > 0) parts.push(
    '',
    `Gateway (one process, default limits, audit capture on, no worker: the queue fills up to audit.maxQueueDepth), ${o.rps} requests/s open loop, 100 % mirrored; RSS (MiB) sampled every ${o.sampleS} s:`,
    '',
    table(['phase', 'min', 'requests', 'ok', 'failed', 'mirrored', 'not mirrored', 'audit pairs', 'RSS start', 'RSS max', 'RSS end', 'growth Q2→Q4', 'heap used max', 'verdict'], gwRows),
    '',
    ...o.gateway.map((g) => `RSS per minute (max MiB), ${g.phase}: ${g.rss.perMinuteMaxMiB.map(mib).join(', ')}`),
  )
  if (o.worker) {
    const w = o.worker
    const v = rssVerdict(w.rss)
    const exact = w.points === w.processed
    const ok = v.pass && exact
    pass &&= ok
    verdicts.push(`${ok ? 'PASS' : 'FAIL'} audit worker, backlog of ${w.backlog} pairs: ${v.why}${exact ? ', one point per judged pair' : `, ${w.points} points for ${w.processed} judged pairs`}`)
    parts.push(
      '',
      `Audit worker (one process, worker.concurrency ${w.concurrency}${w.concurrency === DEFAULT_WORKER_CONCURRENCY ? ' (default)' : ` (default ${DEFAULT_WORKER_CONCURRENCY})`}, other limits default, node ${AUDIT_WORKER_NODE_FLAGS.join(' ')} as the audit-service image runs it), for ${(w.seconds / 60).toFixed(1)} min with the queue topped up to ${w.backlog} pairs (batches of ${DEFAULT_AUDIT_BATCH_SIZE}, as the gateway writes them) every second; RSS (MiB) sampled every ${o.sampleS} s:`,
      '',
      table(
        ['backlog (pairs)', 'lowest backlog', 'seconds', 'pairs judged', 'pairs/s', 'influx points', 'RSS start', 'RSS max', 'RSS end', 'growth Q2→Q4', 'verdict'],
        [[String(w.backlog), String(w.lowestBacklog), w.seconds.toFixed(0), String(w.processed), (w.processed / w.seconds).toFixed(0), String(w.points), mib(w.rss.startMiB), mib(w.rss.maxMiB), mib(w.rss.endMiB), pct(w.rss.growth), ok ? 'PASS' : 'FAIL']],
      ),
      '',
      `RSS per minute (max MiB), audit worker: ${w.rss.perMinuteMaxMiB.map(mib).join(', ')}`,
    )
  }
  parts.push('', `Targets: RSS ≤ ${RSS_TARGET_MIB} MiB and a plateau: the mean RSS of the last quarter of each phase at most ${PLATEAU_MAX_GROWTH * 100} % above that of the second quarter (growth Q2→Q4).`, ...verdicts)
  return { text: parts.join('\n'), pass }
}
