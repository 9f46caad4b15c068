import type { MirrorChangeJson, RouteListingEntry } from '../admin/route-listing.js'
import { formatTextTable } from './text-table.js'

/** `1h 2m`, `9m 58s`, `12s`, `300ms`: compact, for a terminal. */
export function formatRemaining(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`
  let s = Math.round(ms / 1_000)
  const parts: string[] = []
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`)
      s %= size
    }
  }
  if (s > 0 || parts.length === 0) parts.push(`${s}s`)
  return parts.slice(0, 2).join(' ')
}

function pct(n: number): string {
  return `${n}%`
}

/** The `mirror list` table: one line per route rule, aligned columns. */
export function formatRouteTable(routes: readonly RouteListingEntry[]): string {
  const header = ['RULE', 'MATCH', 'PERCENT', 'CONFIG', 'TEMPORARY', 'REQUESTS', 'MIRRORED', 'SHADOW ERRORS']
  const rows = routes.map((r) => [
    r.name,
    r.match,
    pct(r.percent),
    pct(r.configuredPercent),
    r.ttlRemainingMs === null ? '-' : `${formatRemaining(r.ttlRemainingMs)} left, then ${pct(r.revertTo ?? r.configuredPercent)}`,
    String(r.counters.requests),
    String(r.counters.mirrored),
    String(r.counters.shadowErrors),
  ])
  return formatTextTable(header, rows)
}

/** One line describing a change, e.g. `users: mirror 10% -> 25% for 10m (then 10%)`. */
export function formatChange(c: MirrorChangeJson): string {
  const temp = c.ttlMs === null ? '' : ` for ${formatRemaining(c.ttlMs)} (then ${pct(c.revertTo ?? 0)}, at ${c.expiresAt})`
  return `${c.route}: mirror ${pct(c.old)} -> ${pct(c.new)}${temp}`
}
