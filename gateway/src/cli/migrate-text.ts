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
