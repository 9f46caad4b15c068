import type { StageStatusJson } from '../admin/stage-update.js'

interface SettingsJson {
  readonly stage: string
  readonly serve: number
  readonly mirror: number
}

/** A change as the admin API answers it and the change log keeps it. */
export interface StageChangeJson {
  readonly route: string
  readonly action: string
  readonly from: SettingsJson
  readonly to: SettingsJson
  readonly at: string
  readonly by: string
  readonly reason: string
}

/** `canary (serve 10%, copy 5%)`: a stage with the percents that matter in it. */
export function formatStage(s: SettingsJson): string {
  if (s.stage === 'passthrough') return 'passthrough'
  const copy = `copy ${s.mirror}% to ${s.stage === 'final' ? 'old' : 'new'}`
  return s.stage === 'canary' ? `canary (serve ${s.serve}% from new, ${copy})` : `${s.stage} (${copy})`
}

/** The `migrate status` table: one line per route rule. */
export function formatStageTable(routes: readonly StageStatusJson[]): string {
  const header = ['RULE', 'STAGE', 'SERVE', 'MIRROR', 'ROLLBACK TO', 'OLD', 'NEW']
  const rows = routes.map((r) => [
    r.name,
    r.stage,
    r.stage === 'canary' ? `${r.servePercent}%` : r.stage === 'final' ? '100%' : '0%',
    `${r.mirrorPercent}%`,
    r.rollbackTo === null ? '-' : formatStage(r.rollbackTo),
    r.old,
    r.new ?? '-',
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

/** One line per change: `orders: shadow (...) -> canary (...) by alice@10.0.0.1 at ...: reason`. */
export function formatStageChange(c: StageChangeJson): string {
  const verb = c.action === 'rollback' ? 'rolled back' : 'moved'
  return `${c.route}: ${verb} ${formatStage(c.from)} -> ${formatStage(c.to)} by ${c.by} at ${c.at}: ${c.reason}`
}

/** A cut-over's outcome as the admin API answers it (the fields the CLI prints). */
export interface CutoverOutcomeJson {
  readonly route: string
  readonly epoch: number
  readonly outcome: 'committed' | 'aborted'
  readonly abortReason: string | null
  readonly from: string
  readonly to: string
  readonly instances: readonly string[]
  readonly acknowledged: readonly string[]
  readonly held: number
  readonly pauseP50Ms: number
  readonly pauseP99Ms: number
  readonly pauseMaxMs: number
  readonly committedAt: string | null
  /** The route's write stage after the commit, when it logs its writes. */
  readonly writes?: string | null
}

/** The `migrate cutover` report: outcome, why, and the pause it cost. */
export function formatCutover(o: CutoverOutcomeJson): string {
  const head = o.outcome === 'committed' ? `Cut-over of ${o.route} committed: ${o.from} -> ${o.to} at ${o.committedAt ?? '?'} (epoch ${o.epoch}).` : `Cut-over of ${o.route} ABORTED: still ${o.from} (epoch ${o.epoch}): ${o.abortReason ?? 'no reason given'}.`
  return [
    head,
    `Gateways: ${o.acknowledged.length} of ${o.instances.length} acknowledged.`,
    `Held requests: ${o.held}; pause p50 ${o.pauseP50Ms} ms, p99 ${o.pauseP99Ms} ms, max ${o.pauseMaxMs} ms.`,
    ...(typeof o.writes === 'string' ? [`Writes: ${o.writes}.`] : []),
  ].join('\n')
}
