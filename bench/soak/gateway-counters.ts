/** The gateway's counters for one route, read from its admin /metrics. */
export interface RouteCounters {
  readonly mirrored: number
  readonly notMirrored: Readonly<Record<string, number>>
  /** shadowgate_audit_pairs_total by result (all routes: the producer does not split by route). */
  readonly auditPairs: Readonly<Record<string, number>>
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}\s+(\S+)/

function labelsOf(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) out[m[1] ?? ''] = m[2] ?? ''
  return out
}

/** Scrapes `<admin>/metrics` for `route`. */
export async function readRouteCounters(adminUrl: string, route: string): Promise<RouteCounters> {
  const res = await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })
  if (res.status !== 200) throw new Error(`admin /metrics answered ${res.status}`)
  let mirrored = 0
  const notMirrored: Record<string, number> = {}
  const auditPairs: Record<string, number> = {}
  for (const line of (await res.text()).split('\n')) {
    const m = LINE.exec(line)
    if (!m) continue
    const labels = labelsOf(m[2] ?? '')
    const value = Number(m[3])
    if (m[1] === 'shadowgate_mirrored_total' && labels['route'] === route) mirrored += value
    else if (m[1] === 'shadowgate_not_mirrored_total' && labels['route'] === route && value > 0) notMirrored[labels['reason'] ?? '?'] = value
    else if (m[1] === 'shadowgate_audit_pairs_total' && value > 0) auditPairs[labels['result'] ?? '?'] = value
  }
  return { mirrored, notMirrored, auditPairs }
}

/** b − a per key (counters only grow), keeping the non-zero ones. */
export function delta(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(b)) if (v - (a[k] ?? 0) > 0) out[k] = v - (a[k] ?? 0)
  return out
}

/** V8 heap in use (bytes) as the gateway reports it on its admin /metrics (prom-client default metrics). */
export async function readHeapUsed(adminUrl: string): Promise<number | undefined> {
  const res = await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })
  const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})?\s+(\S+)/m.exec(await res.text())
  return m?.[1] === undefined ? undefined : Number(m[1])
}
