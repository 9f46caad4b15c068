import { parseConfig } from '@shadowgate/shared'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { MAX_DRIFT_ENTRIES, RulesDrift } from '../../../audit-service/src/worker/rules-drift.js'

const config = parseConfig('primary: http://127.0.0.1:1\nshadow: http://127.0.0.1:2\nroutes:\n  - { name: orders, match: /orders, audit: { ignore: [$.ts] } }\n', {})

function setup(): { drift: RulesDrift; logs: { msg: string; route: string; pairRules: string }[]; counted: string[]; clock: { now: number } } {
  const logs: { msg: string; route: string; pairRules: string }[] = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => logs.push(JSON.parse(line) as { msg: string; route: string; pairRules: string }) })
  const counted: string[] = []
  const clock = { now: 1_000 }
  return { drift: new RulesDrift(config.routes, logger, (r) => counted.push(r), () => clock.now), logs, counted, clock }
}

describe('RulesDrift', () => {
  it('passes pairs with the same rules and pairs without a fingerprint (older gateways)', () => {
    const { drift, logs, counted } = setup()
    expect(drift.check('orders', drift.rulesOf('orders'))).toBe(false)
    expect(drift.check('orders', undefined)).toBe(false)
    expect(logs).toEqual([])
    expect(counted).toEqual([])
    expect(drift.status()).toEqual({ rules: { orders: drift.rulesOf('orders') }, drift: [], untracked: 0 })
  })

  it('logs once per (route, pair rules), counts every pair, and lists them with first and last seen', () => {
    const { drift, logs, counted, clock } = setup()
    expect(drift.check('orders', 'aaaaaaaaaaaaaaaa')).toBe(true)
    clock.now = 5_000
    drift.check('orders', 'aaaaaaaaaaaaaaaa')
    drift.check('orders', 'bbbbbbbbbbbbbbbb')
    drift.check('unknown', 'aaaaaaaaaaaaaaaa')
    expect(logs.map((l) => [l.route, l.pairRules])).toEqual([
      ['orders', 'aaaaaaaaaaaaaaaa'],
      ['orders', 'bbbbbbbbbbbbbbbb'],
      ['unknown', 'aaaaaaaaaaaaaaaa'],
    ])
    expect(logs[0]?.msg).toMatch(/other audit rules/)
    expect(counted).toEqual(['orders', 'orders', 'orders', 'unknown'])
    expect(drift.status().drift[0]).toEqual({ route: 'orders', pairRules: 'aaaaaaaaaaaaaaaa', workerRules: drift.rulesOf('orders'), pairs: 2, firstSeen: new Date(1_000).toISOString(), lastSeen: new Date(5_000).toISOString() })
    expect(drift.status().drift[2]).toMatchObject({ route: 'unknown', workerRules: 'unknown-route' })
  })

  it('keeps a bounded number of combinations; the rest are counted, not kept', () => {
    const { drift, logs, counted } = setup()
    for (let i = 0; i < MAX_DRIFT_ENTRIES + 5; i++) drift.check(`r${i}`, 'aaaaaaaaaaaaaaaa')
    expect(drift.status().drift).toHaveLength(MAX_DRIFT_ENTRIES)
    expect(drift.status().untracked).toBe(5)
    expect(logs).toHaveLength(MAX_DRIFT_ENTRIES)
    expect(counted).toHaveLength(MAX_DRIFT_ENTRIES + 5)
  })
})
