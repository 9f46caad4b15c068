/**
 * Diff engine benchmark: json-diff vs microdiff vs the structural walker (diffJson), on API-like
 * bodies of 5 KB, 100 KB, 1 MB and 10 MB and on large arrays. Every engine's output is translated
 * into the same path grammar (FieldDifference), so the figures include that cost for all of them.
 *
 *   npm run bench:diff        (= tsc -b, then node bench/dist/audit/diff-bench.js)
 *
 * Each (case, engine) runs in its own worker thread: one warm-up diff, then diffs until ~1 s has
 * passed (at least 3 when they are fast). A measurement that has not finished after the cut-off is
 * terminated and reported as such, so a quadratic engine cannot hang the run.
 * Options: --cutoff-ms=N (default 20000), --only=<case name substring>.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { parsePathPattern } from '@shadowgate/shared'
import { AuditRules, DiffBudget, DifferenceCollector, diffJson, parseJsonBody, type JsonValue } from '@shadowgate/audit-service/diff'
import { jsonDiffDifferences, microdiffDifferences } from './foreign-diffs.js'

interface Case {
  readonly name: string
  build(): [unknown, unknown]
}

interface Engine {
  readonly name: string
  /** Turns the two documents into what `run` takes (default: as they are); not timed. */
  prepare?(a: unknown, b: unknown): [unknown, unknown]
  /** Runs one diff and returns how many differences it reported. */
  run(a: unknown, b: unknown): number
}

interface Job {
  readonly caseName: string
  readonly engineName: string
}

interface Measurement {
  readonly runs: number
  readonly totalMs: number
  readonly differences: number
  readonly bytes: number
}

/** Deterministic pseudo-random numbers (LCG) so every run diffs the same documents. */
function random(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

function apiBody(items: number, seed: number): Record<string, unknown> {
  const r = random(seed)
  return {
    data: {
      items: Array.from({ length: items }, (_, i) => ({
        id: i,
        sku: `SKU-${String(i).padStart(6, '0')}`,
        name: `Product ${i} ${['red', 'green', 'blue'][i % 3]}`,
        price: Math.round(r() * 100_000) / 100,
        currency: 'EUR',
        stock: Math.floor(r() * 500),
        tags: ['catalog', i % 2 === 0 ? 'even' : 'odd'],
        attrs: { color: ['red', 'green', 'blue'][i % 3], size: ['S', 'M', 'L', 'XL'][i % 4], weight: Math.round(r() * 1000) / 10 },
        updatedAt: `2024-05-01T12:${String(i % 60).padStart(2, '0')}:00Z`,
      })),
      page: 1,
      total: items,
    },
    meta: { requestId: 'req-1', version: '2.3.1', generatedAt: '2024-05-01T12:00:00Z' },
  }
}

/** The shadow's answer: every 10th item re-timestamped, every 50th repriced, item 3 repriced, one meta field added. */
function apiShadow(primary: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(primary) as { data: { items: Record<string, unknown>[] }; meta: Record<string, unknown> }
  copy.data.items.forEach((item, i) => {
    if (i % 10 === 0) item['updatedAt'] = '2024-05-01T13:00:00Z'
    if (i % 50 === 0 || i === 3) item['price'] = (item['price'] as number) + 0.01
  })
  copy.meta['shadow'] = true
  return copy
}

/** Items per API body size: one item serialises to about 230 bytes. */
const API_CASES: readonly [string, number][] = [
  ['api 5 KB', 20],
  ['api 100 KB', 430],
  ['api 1 MB', 4_400],
  ['api 10 MB', 44_000],
]

const CASES: readonly Case[] = [
  ...API_CASES.map(([name, items]): Case => ({
    name,
    build: () => {
      const a = apiBody(items, 42)
      return [a, apiShadow(a)]
    },
  })),
  {
    name: '100k numbers, 1 changed',
    build: () => {
      const a = Array.from({ length: 100_000 }, (_, i) => i * 3)
      const b = a.slice()
      b[61_234] = -1
      return [a, b]
    },
  },
  {
    name: '20k objects, 1 inserted at the front',
    build: () => {
      const items = (apiBody(20_000, 7)['data'] as { items: unknown[] }).items
      return [items, [{ id: -1, sku: 'NEW' }, ...structuredClone(items)]]
    },
  },
  {
    name: '20k objects, shifted by one (new first, last gone)',
    build: () => {
      const items = (apiBody(20_000, 7)['data'] as { items: unknown[] }).items
      return [items, [{ id: -1, sku: 'NEW' }, ...structuredClone(items.slice(0, -1))]]
    },
  },
  {
    name: '20k objects, reversed (worst case)',
    build: () => {
      const items = (apiBody(20_000, 7)['data'] as { items: unknown[] }).items
      return [items, structuredClone(items).reverse()]
    },
  },
]

function walker(rules: AuditRules): Engine['run'] {
  return (a, b) => {
    const out = new DifferenceCollector(1_000)
    diffJson(a as JsonValue, b as JsonValue, rules, new DiffBudget(Number.MAX_SAFE_INTEGER, 3_600_000), out)
    return out.count
  }
}

const ENGINES: readonly Engine[] = [
  { name: 'json-diff', run: (a, b) => jsonDiffDifferences(a, b).length },
  { name: 'microdiff', run: (a, b) => microdiffDifferences(a, b).length },
  { name: 'walker', run: walker(new AuditRules(undefined)) },
  {
    name: 'walker + rules',
    run: walker(
      new AuditRules({
        percent: 100,
        ignore: [parsePathPattern('$..updatedAt')],
        ignoreHeaders: [],
        compareHeaders: [],
        arrays: [],
        tolerance: [{ path: parsePathPattern('$..price'), absolute: 0.05, relative: undefined }],
        numbers: 'value',
      }),
    ),
  },
  // Not diffs: the parse step every JSON verdict pays before diffing, for scale. `parseJsonBody` is
  // depth/big-integer pre-scan + JSON.parse + duplicate-key count; `JSON.parse` alone shows the overhead.
  {
    name: '(JSON.parse both)',
    prepare: (a, b) => [JSON.stringify(a), JSON.stringify(b)],
    run: (a, b) => {
      JSON.parse(a as string)
      JSON.parse(b as string)
      return 0
    },
  },
  {
    name: '(parseJsonBody both)',
    prepare: (a, b) => [JSON.stringify(a), JSON.stringify(b)],
    run: (a, b) => {
      parseJsonBody(a as string, 512, 'primary')
      parseJsonBody(b as string, 512, 'shadow')
      return 0
    },
  },
]

function measure(job: Job): Measurement {
  const c = CASES.find((x) => x.name === job.caseName)
  const e = ENGINES.find((x) => x.name === job.engineName)
  if (!c || !e) throw new Error(`unknown case or engine: ${job.caseName} / ${job.engineName}`)
  const [x, y] = c.build()
  const bytes = JSON.stringify(x).length
  const [a, b] = e.prepare ? e.prepare(x, y) : [x, y]
  const differences = e.run(a, b)
  let runs = 0
  const started = performance.now()
  let elapsed = 0
  while (elapsed < 1_000 || (runs < 3 && elapsed < 5_000)) {
    e.run(a, b)
    runs++
    elapsed = performance.now() - started
  }
  return { runs, totalMs: elapsed, differences, bytes }
}

function inWorker(job: Job, cutoffMs: number): Promise<Measurement | 'cut off' | string> {
  return new Promise((resolve) => {
    const w = new Worker(new URL(import.meta.url), { workerData: job, resourceLimits: { maxOldGenerationSizeMb: 4096 } })
    const timer = setTimeout(() => {
      void w.terminate()
      resolve('cut off')
    }, cutoffMs)
    w.once('message', (m: Measurement) => {
      clearTimeout(timer)
      void w.terminate()
      resolve(m)
    })
    w.once('error', (err) => {
      clearTimeout(timer)
      resolve(`error: ${err.message}`)
    })
  })
}

function size(bytes: number): string {
  return bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(1)} MB` : `${(bytes / 1024).toFixed(0)} KB`
}

function arg(name: string): string | undefined {
  const prefix = `--${name}=`
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length)
}

async function main(): Promise<void> {
  const cutoffMs = Number(arg('cutoff-ms') ?? 20_000)
  const only = arg('only')
  const rows: string[][] = [['case', 'body', 'engine', 'ops/s', 'ms/diff', 'differences']]
  console.log(`diff engines, node ${process.version}, cut-off ${cutoffMs} ms per measurement`)
  for (const c of CASES) {
    if (only !== undefined && !c.name.includes(only)) continue
    for (const e of ENGINES) {
      const m = await inWorker({ caseName: c.name, engineName: e.name }, cutoffMs)
      const row =
        typeof m === 'string'
          ? [c.name, '', e.name, '-', m === 'cut off' ? `> ${cutoffMs}` : m, '-']
          : [c.name, size(m.bytes), e.name, (m.runs / (m.totalMs / 1000)).toFixed(m.runs / (m.totalMs / 1000) >= 100 ? 0 : 2), (m.totalMs / m.runs).toFixed(2), e.name.startsWith('(') ? '' : String(m.differences)]
      rows.push(row)
      console.log(row.join('  '))
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  const line = (r: string[]): string => `| ${r.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`
  console.log(['', line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n'))
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err)
    process.exitCode = 1
  })
} else {
  parentPort?.postMessage(measure(workerData as Job))
}
