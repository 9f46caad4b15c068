import { describe } from 'vitest'
import { startRedisSentinel } from '@shadowgate/dev-helpers'
import { fleetCases } from './fleet-cases.js'

// The same fleet on a master and a replica watched by Redis Sentinel (`redis: { sentinels, name }`);
// the failover is forced through the sentinel (SENTINEL FAILOVER) in the middle of traffic.
describe('a fleet on Redis Sentinel', () => {
  fleetCases(
    {
      async start() {
        const sentinel = await startRedisSentinel()
        return {
          yaml: `{ sentinels: ["${sentinel.sentinelUrl}"], name: ${sentinel.name}, prefix: sgsentinel }`,
          close: () => sentinel.close(),
          failover: () => sentinel.failover(),
        }
      },
    },
    'sgsentinel',
  )
})
