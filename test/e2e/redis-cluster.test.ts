import { describe } from 'vitest'
import { startRedisCluster, waitFor, type TestRedisCluster } from '@shadowgate/dev-helpers'
import { fleetCases } from './fleet-cases.js'

// Everything shadowgate keeps in Redis on a real Redis Cluster of three masters with one replica
// each: runtime settings and their announcements, the BullMQ audit queue, mismatch groups and the
// worker's other keys, all under the default prefix {shadowgate} (one hash slot). The failover is
// a coordinated one (CLUSTER FAILOVER on the replica of the slot's master) in the middle of traffic.

/** The master serving `key`'s slot and its replica, from CLUSTER NODES. */
async function slotOwner(cluster: TestRedisCluster, key: string): Promise<{ master: number; replica: number }> {
  const port = cluster.nodes[0]?.port ?? 0
  const slot = Number((await cluster.cli(port, 'cluster', 'keyslot', key)).trim())
  const lines = (await cluster.cli(port, 'cluster', 'nodes')).trim().split('\n').map((l) => l.split(' '))
  const portOf = (addr: string | undefined): number => Number(/:(\d+)@/.exec(addr ?? '')?.[1])
  const serves = (ranges: string[]): boolean =>
    ranges.some((r) => {
      const [lo, hi] = r.split('-').map(Number)
      return lo !== undefined && slot >= lo && slot <= (hi ?? lo)
    })
  const master = lines.find((f) => f[2]?.includes('master') && serves(f.slice(8)))
  const replica = lines.find((f) => f[3] === master?.[0])
  if (!master || !replica) throw new Error(`no master with a replica serves slot ${slot}`)
  return { master: portOf(master[1]), replica: portOf(replica[1]) }
}

describe('a fleet on Redis Cluster', () => {
  fleetCases(
    {
      async start() {
        const cluster = await startRedisCluster({ replicasPerMaster: 1 })
        return {
          yaml: `{ cluster: [${cluster.urls.map((u) => `"${u}"`).join(', ')}] }`,
          close: () => cluster.close(),
          async failover() {
            const { master, replica } = await slotOwner(cluster, '{shadowgate}')
            const node = (port: number) => cluster.nodes.find((n) => n.port === port)
            await cluster.cli(replica, 'cluster', 'failover')
            await waitFor(async () => (await node(replica)?.isMaster()) === true && (await node(master)?.isMaster()) === false, 20_000, `replica ${replica} to take over from ${master}`, 100)
            await cluster.waitHealthy()
          },
        }
      },
    },
    '{shadowgate}',
  )
})
