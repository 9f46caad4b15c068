/** One sample of a Prometheus text exposition: metric name, labels and value. */
export interface PromSample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Parses the text format (comments skipped); enough for counters and gauges. */
export function parsePrometheusText(text: string): PromSample[] {
  const out: PromSample[] = []
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const m = LINE.exec(line)
    if (!m) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] ?? ''] = l[2] ?? ''
    out.push({ name: m[1] ?? '', labels, value: Number(m[3]) })
  }
  return out
}

/** Sum of the samples named `name` whose labels pass `where`. */
export function sumOf(samples: readonly PromSample[], name: string, where: (labels: Readonly<Record<string, string>>) => boolean = () => true): number {
  let sum = 0
  for (const s of samples) if (s.name === name && where(s.labels)) sum += s.value
  return sum
}
