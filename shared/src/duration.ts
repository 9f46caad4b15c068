/**
 * Longest delay a Node.js timer keeps: past it setTimeout/setInterval fire after 1 ms instead (with
 * only a warning). Every config duration drives a timer, so this is their default upper bound.
 */
export const MAX_TIMER_MS = 2_147_483_647

/**
 * Parses a duration such as `500ms`, `30s`, `10m`, `2h`, `1d` or a bare number of milliseconds.
 * Returns undefined when it is not one (or not finite). It does not bound the value: every caller
 * checks it against the maximum of what it is used for (`99999999999d` parses, and must be refused
 * there with that maximum in the message).
 */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text)
  if (!m) return undefined
  const n = Number(m[1])
  const unit = m[2] ?? 'ms'
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1_000 : unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000
  const ms = Math.round(n * factor)
  return Number.isFinite(ms) ? ms : undefined
}

/** A millisecond bound as an operator writes it (`30d`, `24.8d`, `90s`), for error messages. */
export function formatDurationBound(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]]
  for (const [unit, factor] of units) {
    if (ms >= factor) return `${Math.floor((ms / factor) * 10) / 10}${unit} (${ms} ms)`
  }
  return `${ms}ms`
}
