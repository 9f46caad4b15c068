/** Parses a duration such as `500ms`, `30s`, `10m`, `2h` or a bare number of milliseconds. Returns undefined when it is not one. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text)
  if (!m) return undefined
  const n = Number(m[1])
  const unit = m[2] ?? 'ms'
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1_000 : unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000
  return Math.round(n * factor)
}
