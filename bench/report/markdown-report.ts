import type { BenchOptions } from '../bench-options.js'
import type { MachineInfo } from './machine-info.js'
import type { CheckLine } from './target-checks.js'
import type { TargetSummary } from './target-summary.js'

export interface ReportInput {
  readonly summaries: readonly TargetSummary[]
  readonly checks: readonly CheckLine[]
  readonly machine: MachineInfo
  readonly options: BenchOptions
  readonly loadAtEnd: number
  readonly startedAt: Date
  readonly elapsedS: number
}

const n0 = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(0))
const n2 = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(2))
const pct = (v: number | undefined): string => (v === undefined ? '–' : `${(v * 100).toFixed(1)}%`)

function ratio(s: TargetSummary, ref: TargetSummary | undefined): string {
  if (!ref || ref.failure !== undefined || s.failure !== undefined) return '–'
  return `${(s.rps / ref.rps).toFixed(2)}×`
}

function us(v: number | undefined): string {
  return v === undefined ? '–' : v.toFixed(1)
}

const STATUS: Record<CheckLine['status'], string> = { PASS: 'PASS', FAIL: '**FAIL**', WITHIN_SPREAD: 'missed within spread', SKIP: 'not measured' }

/** The ratio checks as a table: the median decides, the spread says whether a miss is within the run's own noise. */
function checkTable(checks: readonly CheckLine[]): string[] {
  const rows = ['| check | required | median ratio | spread (min–max over rounds) | subject vs reference | result |', '| --- | --- | ---: | ---: | --- | --- |']
  for (const c of checks) {
    const r = c.ratio
    if (r === undefined) continue
    const fmt = r.metric === 'rps' ? (v: number): string => `${v.toFixed(0)} rps` : r.metric === 'p99Ms' ? (v: number): string => `${v.toFixed(2)} ms p99` : (v: number): string => `${v.toFixed(1)} µs/req`
    rows.push(`| \`${r.subject}\` vs \`${r.reference}\` (${METRIC_NAMES[r.metric]}) | ${r.required} | ${r.median.toFixed(2)}× | ${r.min.toFixed(2)}–${r.max.toFixed(2)}× | ${fmt(r.subjectValue)} vs ${fmt(r.referenceValue)} | ${STATUS[c.status]} |`)
  }
  return rows
}

const METRIC_NAMES: Record<NonNullable<CheckLine['ratio']>['metric'], string> = { cpuUsPerRequest: 'CPU per request', rps: 'rps', p99Ms: 'p99' }

function table(summaries: readonly TargetSummary[]): string[] {
  const raw = summaries.find((s) => s.target.key === 'raw-undici')
  const rows = [
    '| target | CPU µs/req (median) | CPU spread (min–max) | loop µs/req | rps (median) | rps min–max | p50 ms | p99 ms | reached shadow | RSS MB (max) | × raw undici rps | errors / non-2xx |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const s of summaries) {
    if (s.failure !== undefined) {
      rows.push(`| ${s.target.label} (\`${s.target.key}\`) | FAILED | | | | | | | | | | |`)
      continue
    }
    const rss = s.maxRssBytes === undefined ? '–' : (s.maxRssBytes / 2 ** 20).toFixed(0)
    rows.push(
      `| ${s.target.label} (\`${s.target.key}\`) | ${us(s.cpuUsPerRequest)} | ${s.cpuUsMin === undefined ? '–' : `${us(s.cpuUsMin)}–${us(s.cpuUsMax)}`} | ${us(s.loopUsPerRequest)} | ${n0(s.rps)} | ${n0(s.rpsMin)}–${n0(s.rpsMax)} | ${n2(s.p50Ms)} | ${n2(s.p99Ms)} | ${pct(s.reachedShadow)} | ${rss} | ${ratio(s, raw)} | ${s.errors} / ${s.non2xx} |`,
    )
  }
  return rows
}

function gatewayCounters(summaries: readonly TargetSummary[]): string[] {
  const lines: string[] = []
  for (const s of summaries) {
    if (s.mirrored === undefined || s.failure !== undefined) continue
    const dropped = Object.entries(s.notMirrored ?? {})
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${v}`)
    const audit = Object.entries(s.audit ?? {})
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${v}`)
    lines.push(
      `- \`${s.target.key}\`: mirrored ${s.mirrored}; not mirrored: ${dropped.join(', ') || 'none'}; shadow errors ${s.shadowErrors ?? 0}` + (audit.length ? `; audit pairs: ${audit.join(', ')}` : ''),
    )
  }
  return lines
}

/** The whole report, markdown, ready to paste into the README. */
export function formatReport(r: ReportInput): string {
  const m = r.machine
  const o = r.options
  const failed = r.checks.filter((c) => c.status === 'FAIL').length
  const within = r.checks.filter((c) => c.status === 'WITHIN_SPREAD').length
  const out = [
    `## shadowgate gateway bench — ${r.startedAt.toISOString()}`,
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}; load average ${m.loadAtStart.toFixed(2)} at start, ${r.loadAtEnd.toFixed(2)} at end.`,
    `Load: ${o.load === 'wrk' ? 'wrk -t1' : 'autocannon'} with ${o.connections} keep-alive connections, GET of a ~1 KB JSON body; ${o.rounds} interleaved rounds × ${o.durationS} s per target (+${o.warmupS} s warm-up each); medians shown. Run took ${r.elapsedS.toFixed(0)} s.`,
    'CPU µs/req: CPU time (user + system) of the proxy process, every thread (event loop, GC, I/O), per completed request; median and min–max over rounds. Loop µs/req: time its event loop was busy per request. The checks judge CPU per request, far steadier than rps on a shared machine.',
    '',
    ...table(r.summaries),
    '',
    'Gateway counters over all measured rounds (from GatewayMetrics.snapshot()):',
    '',
    ...(gatewayCounters(r.summaries).length ? gatewayCounters(r.summaries) : ['- (no shadowgate target measured)']),
    '',
    'Targets (the median ratio decides; a miss that some round met is "missed within spread"):',
    '',
    ...checkTable(r.checks),
    '',
    ...r.checks.map((c) => `- ${STATUS[c.status]}: ${c.text}`),
    '',
    failed
      ? `**${failed} check(s) FAILED**${within ? `, ${within} missed within the run's spread` : ''} (one run on a shared machine: re-run before concluding).`
      : within
        ? `No check failed outright; ${within} missed within the run's spread.`
        : 'All checks passed.',
  ]
  return out.join('\n')
}
