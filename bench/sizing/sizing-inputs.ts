import { BENCH_JSON_VERSION } from '../report/json-output.js'
import type { UnitCosts } from './sizing-model.js'

/** The unit costs found in the benches' JSON (undefined where no file gave one). */
export type PartialCosts = { -readonly [K in keyof UnitCosts]?: number }

/** Which audit case sizes the workers and Redis: its `label` (e.g. "4 KB"); the best concurrency of that size is taken. */
export interface AuditCaseChoice {
  readonly label: string
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

const GATEWAY_TARGETS: ReadonlyArray<[key: string, field: 'gatewayOffUs' | 'gatewayMirrorUs' | 'gatewayAuditUs']> = [
  ['sg-off', 'gatewayOffUs'],
  ['sg-fast', 'gatewayMirrorUs'],
  ['sg-audit', 'gatewayAuditUs'],
]

function fromGateway(data: Record<string, unknown>, name: string, out: PartialCosts): void {
  const targets = data['targets']
  if (!Array.isArray(targets)) throw new Error(`${name}: "targets" must be a list`)
  for (const [key, field] of GATEWAY_TARGETS) {
    const t: unknown = targets.find((x: unknown) => isObj(x) && x['key'] === key)
    const cpu = isObj(t) ? num(t['cpuUsPerRequest']) : undefined
    if (cpu !== undefined) out[field] = cpu
  }
}

function fromAudit(data: Record<string, unknown>, name: string, choice: AuditCaseChoice, out: PartialCosts): void {
  const cases = data['cases']
  if (!Array.isArray(cases)) throw new Error(`${name}: "cases" must be a list`)
  const matching = cases.filter((c): c is Record<string, unknown> => isObj(c) && c['label'] === choice.label && num(c['pairsPerS']) !== undefined)
  if (matching.length === 0) {
    const labels = [...new Set(cases.map((c: unknown) => (isObj(c) ? String(c['label']) : '?')))].join(', ')
    throw new Error(`${name}: no audit case labelled "${choice.label}" (it has: ${labels || 'none'})`)
  }
  const best = matching.reduce((a, b) => ((num(b['pairsPerS']) ?? 0) > (num(a['pairsPerS']) ?? 0) ? b : a))
  out.workerPairsPerS = num(best['pairsPerS'])
  const enq = best['redisEnqueue']
  const wrk = best['redisWorker']
  if (!isObj(enq) || !isObj(wrk)) throw new Error(`${name}: case "${choice.label}" has no redisEnqueue/redisWorker figures`)
  const cmds = (num(enq['commandsPerPair']) ?? Number.NaN) + (num(wrk['commandsPerPair']) ?? Number.NaN)
  const cpu = (num(enq['cpuUsPerPair']) ?? Number.NaN) + (num(wrk['cpuUsPerPair']) ?? Number.NaN)
  if (!Number.isFinite(cmds) || !Number.isFinite(cpu)) throw new Error(`${name}: case "${choice.label}" has Redis figures that are not numbers`)
  out.redisCommandsPerPair = cmds
  out.redisCpuUsPerPair = cpu
}

/** Reads one bench result (already JSON-parsed) into `out`; throws naming the file and what is wrong with it. */
export function readBenchResult(data: unknown, name: string, choice: AuditCaseChoice, out: PartialCosts): void {
  if (!isObj(data)) throw new Error(`${name}: not a bench result (a JSON object is expected)`)
  if (data['v'] !== BENCH_JSON_VERSION) throw new Error(`${name}: bench result version ${JSON.stringify(data['v'])}, expected ${BENCH_JSON_VERSION}`)
  if (data['bench'] === 'gateway') fromGateway(data, name, out)
  else if (data['bench'] === 'audit') fromAudit(data, name, choice, out)
  else throw new Error(`${name}: "bench" must be "gateway" or "audit" (got ${JSON.stringify(data['bench'])})`)
}

const NAMES: Record<keyof UnitCosts, string> = {
  gatewayOffUs: 'gateway CPU µs/request with mirror off (bench:gateway sg-off, or --cpu-off)',
  gatewayMirrorUs: 'gateway CPU µs/request with mirror (bench:gateway sg-fast, or --cpu-mirror)',
  gatewayAuditUs: 'gateway CPU µs/request with mirror + audit (bench:gateway sg-audit, or --cpu-audit)',
  workerPairsPerS: 'worker pairs/s (bench:audit-rate, or --worker-pairs)',
  redisCommandsPerPair: 'Redis commands per pair (bench:audit-rate, or --redis-cmds)',
  redisCpuUsPerPair: 'Redis CPU µs per pair (bench:audit-rate, or --redis-cpu-us)',
}

/** Every cost present, or an error listing the missing ones and where each comes from. */
export function completeCosts(p: PartialCosts): UnitCosts {
  const missing = (Object.keys(NAMES) as Array<keyof UnitCosts>).filter((k) => p[k] === undefined)
  if (missing.length) throw new Error(`missing: ${missing.map((k) => NAMES[k]).join('; ')}`)
  return p as UnitCosts
}
