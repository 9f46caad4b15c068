import type { LoadRampJson } from '../admin/load-ramp-json.js'
import { formatRemaining } from './route-table-text.js'
import { formatTextTable } from './text-table.js'

function schedule(r: LoadRampJson): string {
  if (r.from === null || r.to === null || r.step === null || r.everyMs === null) return '-'
  return `${r.from}% -> ${r.to}% by ${r.step}% every ${formatRemaining(r.everyMs)}`
}

function figures(r: LoadRampJson): string {
  const f = r.figures
  if (f === null) return ''
  const p99 = f.p99Ms === null ? '-' : `${f.p99Ms.toFixed(1)} ms`
  const base = f.baselineP99Ms === null ? '-' : `${f.baselineP99Ms.toFixed(1)} ms`
  return ` (p99 ${p99}, baseline ${base}, errors ${(f.errorRate * 100).toFixed(1)} % of ${f.copies})`
}

/** What happened or happens, in a few words: `running, next step in 40s`, `braked at 200%: <why>`. */
function detail(r: LoadRampJson): string {
  if (r.state === 'none') return '-'
  if (r.state === 'running') return r.nextStepInMs === null ? `at target until ${r.endsAt}` : `next step in ${formatRemaining(r.nextStepInMs)}`
  return `${r.stoppedPercent === null ? '' : `at ${r.stoppedPercent}%: `}${r.stopReason ?? r.state}${figures(r)}`
}

/** The `load status` table: one line per route rule. */
export function formatLoadTable(routes: readonly LoadRampJson[]): string {
  const header = ['RULE', 'STATE', 'PERCENT', 'RAMP', 'DETAIL']
  const rows = routes.map((r) => [r.route, r.state, `${r.percent}%`, schedule(r), detail(r)])
  return formatTextTable(header, rows)
}

/** One line after start or stop, e.g. `users: load running, 0% -> 300% by 50% every 1m (percent now 50%)`. */
export function formatLoadLine(r: LoadRampJson): string {
  return `${r.route}: load ${r.state}, ${schedule(r)} (percent now ${r.percent}%)${r.state === 'running' ? '' : `; ${detail(r)}`}`
}
