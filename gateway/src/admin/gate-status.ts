/** The gate's last decision on a route, as the admin API and `shadowgate migrate status` show it. */
export interface GateStatusJson {
  readonly decision: string
  readonly reason: string
  readonly acted: boolean
  readonly stage: string
  readonly serve: number
  readonly failStreak: number
  readonly inconclusiveStreak: number
  readonly at: string
  /** The judged window's figures (judged pairs, mismatch rate, 5xx rates, p99 per side); null before the first window. */
  readonly figures: Record<string, number | null> | null
}

const DECISIONS = ['promote', 'hold', 'rollback', 'inconclusive', 'pass', 'fail']
const FIGURES = ['judged', 'mismatches', 'unjudged', 'mismatchRate', 'oldServed', 'newServed', 'old5xxRate', 'new5xxRate', 'oldP99Ms', 'newP99Ms']

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/**
 * Reads the record the gate keeps in Redis (`gateLastKey`, written by the audit workers' gate:
 * untrusted input). Null when there is none or it is not one: the status then says nothing of the gate.
 */
export function gateStatusJson(text: string | null): GateStatusJson | null {
  if (text === null) return null
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return null
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null
  const o = v as Record<string, unknown>
  const at = num(o['at'])
  if (typeof o['decision'] !== 'string' || !DECISIONS.includes(o['decision']) || typeof o['reason'] !== 'string' || typeof o['stage'] !== 'string' || at === null || at > 8.64e15 || at < 0) return null
  const f = o['figures']
  const figures = f && typeof f === 'object' && !Array.isArray(f) ? Object.fromEntries(FIGURES.map((k) => [k, num((f as Record<string, unknown>)[k])])) : null
  return {
    decision: o['decision'],
    reason: o['reason'].slice(0, 2_000),
    acted: o['acted'] === true,
    stage: o['stage'].slice(0, 20),
    serve: num(o['serve']) ?? 0,
    failStreak: num(o['failStreak']) ?? 0,
    inconclusiveStreak: num(o['inconclusiveStreak']) ?? 0,
    at: new Date(at).toISOString(),
    figures,
  }
}

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '-' : `${(v * 100).toFixed(2)}%`
}

/** The gate lines of `shadowgate migrate status <rule>`. */
export function formatGateStatus(g: GateStatusJson): string {
  const f = g.figures
  const lines = [`Gate: ${g.decision}${g.acted ? ' (done)' : ''} at ${g.at}: ${g.reason}`]
  if (f !== null) {
    lines.push(
      `  window: ${f['judged'] ?? 0} judged pairs, mismatch rate ${pct(f['mismatchRate'])}, ${f['unjudged'] ?? 0} unjudged; ` +
        `5xx old ${pct(f['old5xxRate'])} new ${pct(f['new5xxRate'])}; p99 old ${f['oldP99Ms'] ?? '-'} ms new ${f['newP99Ms'] ?? '-'} ms`,
    )
  }
  lines.push(`  streaks: ${g.failStreak} failing, ${g.inconclusiveStreak} inconclusive`)
  return lines.join('\n')
}
