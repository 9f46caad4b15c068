/**
 * The sizing arithmetic of docs/sizing.md: from per-request and per-pair costs measured by the
 * benches, how many gateway processes, audit workers and Redis shards a request rate needs.
 * Pure functions, so the test can check the arithmetic on fixed input.
 */

/** Measured unit costs, each from one bench run on one kind of core. */
export interface UnitCosts {
  /** Gateway CPU per request, µs: mirror off, mirror 100 %, mirror + audit 100 % (bench:gateway sg-off, sg-fast, sg-audit). */
  readonly gatewayOffUs: number
  readonly gatewayMirrorUs: number
  readonly gatewayAuditUs: number
  /** Pairs per second one audit worker process judges (bench:audit-rate). */
  readonly workerPairsPerS: number
  /** Redis commands per audited pair, enqueue and worker side together (commands inside BullMQ's scripts included). */
  readonly redisCommandsPerPair: number
  /** redis-server CPU per audited pair, µs, enqueue and worker side together. */
  readonly redisCpuUsPerPair: number
}

/** The deployment asked about. */
export interface SizingInput {
  readonly rps: number
  /** Share of requests copied to the shadow, 0-100 (a route's mirror.percent). */
  readonly mirrorPercent: number
  /** Share of mirrored pairs audited, 0-100 (a route's audit.percent). */
  readonly auditPercent: number
  /** How busy a core may run at the planned peak, 0-1 (headroom for bursts, GC, a lost instance). */
  readonly utilisation: number
  /** Throughput per core of N gateway processes relative to one (bench:workers' per-core ratio), 0-1. */
  readonly perCoreEfficiency: number
}

export interface SizingRow {
  readonly rps: number
  readonly mirroredPerS: number
  readonly auditedPerS: number
  /** Gateway CPU cores busy at that rate (before utilisation and efficiency). */
  readonly gatewayCores: number
  /** Gateway processes (one core each) with the headroom applied. */
  readonly gatewayProcesses: number
  readonly workerCores: number
  readonly workers: number
  readonly redisCommandsPerS: number
  readonly redisCores: number
  /** Redis instances (one core each: Redis runs commands on one thread). */
  readonly redisShards: number
}

/** Rounds up, leaving exact multiples alone despite floating-point dust. */
function units(load: number): number {
  if (load <= 0) return 0
  return Math.ceil(load - 1e-9)
}

/**
 * gateway cores = (rps × off + mirrored × (mirror − off) + audited × (audit − mirror)) / 10⁶
 * gateway processes = ⌈gateway cores / (utilisation × efficiency)⌉
 * workers = ⌈audited / (worker pairs/s × utilisation)⌉
 * Redis shards = ⌈audited × Redis µs per pair / 10⁶ / utilisation⌉
 * The mirror and audit surcharges never go below 0: a measured difference within the noise does not
 * make a feature cost less than nothing.
 */
export function sizeDeployment(costs: UnitCosts, input: SizingInput): SizingRow {
  const mirrored = (input.rps * input.mirrorPercent) / 100
  const audited = (mirrored * input.auditPercent) / 100
  const mirrorExtra = Math.max(0, costs.gatewayMirrorUs - costs.gatewayOffUs)
  const auditExtra = Math.max(0, costs.gatewayAuditUs - costs.gatewayMirrorUs)
  const gatewayCores = (input.rps * costs.gatewayOffUs + mirrored * mirrorExtra + audited * auditExtra) / 1e6
  const workerCores = audited / costs.workerPairsPerS
  const redisCores = (audited * costs.redisCpuUsPerPair) / 1e6
  return {
    rps: input.rps,
    mirroredPerS: mirrored,
    auditedPerS: audited,
    gatewayCores,
    gatewayProcesses: Math.max(1, units(gatewayCores / (input.utilisation * input.perCoreEfficiency))),
    workerCores,
    workers: units(workerCores / input.utilisation),
    redisCommandsPerS: audited * costs.redisCommandsPerPair,
    redisCores,
    redisShards: units(redisCores / input.utilisation),
  }
}

/** Checks the costs and the input before any arithmetic; throws naming the first value that is wrong. */
export function checkSizing(costs: UnitCosts, input: SizingInput): void {
  const positive: Array<[string, number]> = [
    ['gateway CPU µs/request, mirror off', costs.gatewayOffUs],
    ['gateway CPU µs/request, mirror', costs.gatewayMirrorUs],
    ['gateway CPU µs/request, mirror + audit', costs.gatewayAuditUs],
    ['worker pairs/s', costs.workerPairsPerS],
    ['--rps', input.rps],
  ]
  for (const [name, v] of positive) if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a number above 0 (got ${v})`)
  for (const [name, v] of [['Redis commands per pair', costs.redisCommandsPerPair], ['Redis CPU µs per pair', costs.redisCpuUsPerPair]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number of at least 0 (got ${v})`)
  }
  for (const [name, v] of [['--mirror', input.mirrorPercent], ['--audit', input.auditPercent]] as const) {
    if (!Number.isFinite(v) || v < 0 || v > 100) throw new Error(`${name} must be between 0 and 100 (got ${v})`)
  }
  for (const [name, v] of [['--utilisation', input.utilisation], ['--per-core-efficiency', input.perCoreEfficiency]] as const) {
    if (!Number.isFinite(v) || v <= 0 || v > 1) throw new Error(`${name} must be above 0 and at most 1 (got ${v})`)
  }
}
