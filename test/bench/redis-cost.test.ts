import { describe, expect, it } from 'vitest'
import { costPerPair, parseCommandStats, parseCpuSeconds } from '../../bench/audit/redis-cost.js'

describe('Redis cost per pair from INFO', () => {
  it('reads command calls and CPU seconds as redis-server prints them', () => {
    const stats = '# Commandstats\r\ncmdstat_evalsha:calls=10,usec=500,usec_per_call=50.00,rejected_calls=0,failed_calls=0\r\ncmdstat_hset:calls=30,usec=30\r\n'
    expect(parseCommandStats(stats)).toEqual({ evalsha: 10, hset: 30 })
    expect(parseCpuSeconds('# CPU\r\nused_cpu_sys:1.250000\r\nused_cpu_user:2.500000\r\n')).toBeCloseTo(3.75, 10)
    expect(() => parseCpuSeconds('# CPU\r\n')).toThrow(/INFO cpu has no used_cpu_user/)
  })

  it('divides the difference of two readings by the pairs', () => {
    const per = costPerPair({ calls: { evalsha: 2, hset: 5 }, cpuS: 1 }, { calls: { evalsha: 12, hset: 45, xadd: 10 }, cpuS: 1.002 }, 100)
    expect(per.commandsPerPair).toBeCloseTo(0.6, 10)
    expect(per.scriptCallsPerPair).toBeCloseTo(0.1, 10)
    expect(per.cpuUsPerPair).toBeCloseTo(20, 6)
    expect(Object.entries(per.byCommand)).toEqual([['hset', 0.4], ['evalsha', 0.1], ['xadd', 0.1]])
  })
})
