import { describe, expect, it } from 'vitest'
import { formatWorkersReport, perCoreCheck, requestsPerCpuSecond, type WorkersRun } from '../../bench/workers/workers-report.js'
import type { MachineInfo } from '../../bench/report/machine-info.js'

function run(workers: number, round: number, rps: number, gatewayCores: number): WorkersRun {
  return { workers, round, load: { rps, requests: rps * 10, p50Ms: 1, p99Ms: 2, errors: 0, non2xx: 0 }, cores: { gateway: gatewayCores, origin: 0.3, wrk: 0.3, other: 0, machine: 2 } }
}

describe('bench:workers per-core throughput', () => {
  it('divides requests per second by the gateway processes\' CPU cores', () => {
    expect(requestsPerCpuSecond(run(1, 1, 9_000, 0.9))).toBeCloseTo(10_000, 6)
  })

  it('passes when two workers serve at least 0.9 × one worker\'s requests per CPU-second, and prints the check', () => {
    const one = [run(1, 1, 10_000, 1), run(1, 2, 9_000, 1), run(1, 3, 11_000, 1)]
    const two = [run(2, 1, 17_000, 1.8), run(2, 2, 18_000, 1.8), run(2, 3, 16_200, 1.8)]
    const c = perCoreCheck(one, two)
    // medians: 17000 / 1.8 against 10000 / 1
    expect(c.ratio).toBeCloseTo(17_000 / 1.8 / 10_000, 6)
    expect(c.status).toBe('PASS')
    const machine: MachineInfo = { cpuModel: 'test', cores: 2, memoryGiB: 1, node: 'v20', kernel: 'k', loadAtStart: 0 }
    const text = formatWorkersReport({ startedAt: new Date(0), machine, loadAtEnd: 0, durationS: 10, connections: 64, mirror: 0, counts: [1, 2], runs: [...one, ...two] })
    expect(text).toContain("--workers 2 ≥ 0.9 × 2 × one worker's requests per CPU-second (2 × 10000): 0.94×")
  })

  it('fails when no round reaches the bound and says "within spread" when one does', () => {
    const one = [run(1, 1, 10_000, 1), run(1, 2, 10_000, 1), run(1, 3, 10_000, 1)]
    expect(perCoreCheck(one, [run(2, 1, 14_000, 2), run(2, 2, 15_000, 2), run(2, 3, 16_000, 2)]).status).toBe('FAIL')
    expect(perCoreCheck(one, [run(2, 1, 16_000, 2), run(2, 2, 17_000, 2), run(2, 3, 19_000, 2)]).status).toBe('missed within spread')
  })
})
