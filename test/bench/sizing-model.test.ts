import { describe, expect, it } from 'vitest'
import { checkSizing, sizeDeployment, type UnitCosts } from '../../bench/sizing/sizing-model.js'
import { completeCosts, readBenchResult, type PartialCosts } from '../../bench/sizing/sizing-inputs.js'

const COSTS: UnitCosts = { gatewayOffUs: 40, gatewayMirrorUs: 80, gatewayAuditUs: 100, workerPairsPerS: 2_000, redisCommandsPerPair: 0.5, redisCpuUsPerPair: 25 }

describe('sizeDeployment', () => {
  it('computes the fixed example of docs/sizing.md: 100k req/s, 10 % mirrored, 10 % of those audited', () => {
    const row = sizeDeployment(COSTS, { rps: 100_000, mirrorPercent: 10, auditPercent: 10, utilisation: 0.5, perCoreEfficiency: 0.8 })
    expect(row.mirroredPerS).toBe(10_000)
    expect(row.auditedPerS).toBe(1_000)
    // 100000 × 40 + 10000 × (80 − 40) + 1000 × (100 − 80) = 4.42 s of CPU per second
    expect(row.gatewayCores).toBeCloseTo(4.42, 10)
    // 4.42 / (0.5 × 0.8) = 11.05 → 12
    expect(row.gatewayProcesses).toBe(12)
    expect(row.workerCores).toBeCloseTo(0.5, 10)
    expect(row.workers).toBe(1)
    expect(row.redisCommandsPerS).toBe(500)
    expect(row.redisCores).toBeCloseTo(0.025, 10)
    expect(row.redisShards).toBe(1)
  })

  it('rounds exact multiples down to themselves, not one unit up', () => {
    // 40000 pairs/s ÷ 2000 = 20 cores, ÷ 0.5 = exactly 40 workers.
    const row = sizeDeployment(COSTS, { rps: 400_000, mirrorPercent: 100, auditPercent: 10, utilisation: 0.5, perCoreEfficiency: 1 })
    expect(row.workers).toBe(40)
    expect(row.redisShards).toBe(2)
  })

  it('never counts a feature below zero cost when its measured surcharge is negative (noise)', () => {
    const row = sizeDeployment({ ...COSTS, gatewayMirrorUs: 35, gatewayAuditUs: 30 }, { rps: 1_000_000, mirrorPercent: 100, auditPercent: 100, utilisation: 1, perCoreEfficiency: 1 })
    expect(row.gatewayCores).toBeCloseTo(40, 10)
    expect(row.gatewayProcesses).toBe(40)
  })

  it('needs no worker and no Redis when nothing is audited, and at least one gateway process', () => {
    const row = sizeDeployment(COSTS, { rps: 10, mirrorPercent: 50, auditPercent: 0, utilisation: 0.7, perCoreEfficiency: 0.9 })
    expect([row.gatewayProcesses, row.workers, row.redisShards]).toEqual([1, 0, 0])
  })

  it('refuses input it cannot size, naming the value', () => {
    const ok = { rps: 1, mirrorPercent: 1, auditPercent: 1, utilisation: 0.7, perCoreEfficiency: 0.9 }
    expect(() => checkSizing({ ...COSTS, workerPairsPerS: 0 }, ok)).toThrow(/worker pairs\/s must be a number above 0/)
    expect(() => checkSizing(COSTS, { ...ok, mirrorPercent: 120 })).toThrow(/--mirror must be between 0 and 100/)
    expect(() => checkSizing(COSTS, { ...ok, utilisation: 0 })).toThrow(/--utilisation must be above 0/)
  })
})

describe('readBenchResult', () => {
  const gateway = {
    v: 1,
    bench: 'gateway',
    targets: [
      { key: 'raw-undici', cpuUsPerRequest: 39 },
      { key: 'sg-off', cpuUsPerRequest: 41 },
      { key: 'sg-fast', cpuUsPerRequest: 78 },
      { key: 'sg-audit', cpuUsPerRequest: 97 },
    ],
  }
  const redis = (cmds: number, cpu: number): object => ({ commandsPerPair: cmds, scriptCallsPerPair: 0, cpuUsPerPair: cpu })
  const audit = {
    v: 1,
    bench: 'audit',
    cases: [
      { label: '4 KB', concurrency: 4, pairsPerS: 1_500, redisEnqueue: redis(0.1, 5), redisWorker: redis(1, 50) },
      { label: '4 KB', concurrency: 16, pairsPerS: 1_800, redisEnqueue: redis(0.2, 6), redisWorker: redis(0.4, 10) },
      { label: '100 KB', concurrency: 4, pairsPerS: 90, redisEnqueue: redis(2, 60), redisWorker: redis(3, 70) },
    ],
  }

  it('takes the gateway CPU per feature and the best worker rate of the chosen pair size with its Redis figures', () => {
    const out: PartialCosts = {}
    readBenchResult(gateway, 'g.json', { label: '4 KB' }, out)
    readBenchResult(audit, 'a.json', { label: '4 KB' }, out)
    const costs = completeCosts(out)
    expect(costs).toEqual({ gatewayOffUs: 41, gatewayMirrorUs: 78, gatewayAuditUs: 97, workerPairsPerS: 1_800, redisCommandsPerPair: expect.closeTo(0.6, 10), redisCpuUsPerPair: 16 })
  })

  it('names the file and what is wrong with it', () => {
    expect(() => readBenchResult({ v: 2, bench: 'gateway' }, 'old.json', { label: '4 KB' }, {})).toThrow(/old\.json: bench result version 2, expected 1/)
    expect(() => readBenchResult(audit, 'a.json', { label: '1 MB' }, {})).toThrow(/a\.json: no audit case labelled "1 MB" \(it has: 4 KB, 100 KB\)/)
    expect(() => readBenchResult([], 'x.json', { label: '4 KB' }, {})).toThrow(/x\.json: not a bench result/)
    expect(() => completeCosts({ gatewayOffUs: 1 })).toThrow(/missing: gateway CPU µs\/request with mirror \(bench:gateway sg-fast/)
  })
})
