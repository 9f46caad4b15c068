import { existsSync } from 'node:fs'
import { execFile } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { startRedisCluster, startRedisSentinel } from '@shadowgate/dev-helpers'

/** Whether anything answers PING on the port (redis-cli exits non-zero when nothing listens). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { timeout: 5_000 }, (err, stdout) => resolve(!err && stdout.startsWith('PONG')))
  })
}

describe('real Redis deployments for tests', () => {
  it('startRedisCluster: three masters with a replica each, all slots served; close() stops every node and removes the dir, twice', async () => {
    const cluster = await startRedisCluster({ replicasPerMaster: 1 })
    try {
      expect(cluster.nodes).toHaveLength(6)
      const roles = await Promise.all(cluster.nodes.map((n) => n.isMaster()))
      expect(roles.filter(Boolean)).toHaveLength(3)
      const first = cluster.nodes[0]?.port ?? 0
      expect(await cluster.cli(first, 'cluster', 'info')).toContain('cluster_slots_ok:16384')
      expect(existsSync(cluster.dir)).toBe(true)
    } finally {
      await cluster.close()
    }
    await cluster.close()
    expect(existsSync(cluster.dir)).toBe(false)
    expect(await Promise.all(cluster.nodes.map((n) => answersPing(n.port)))).toEqual(cluster.nodes.map(() => false))
  }, 60_000)

  it('startRedisSentinel: the sentinel names the master, fails over to the replica on demand; close() stops all and removes the dir', async () => {
    const sentinel = await startRedisSentinel()
    try {
      const [master, replica] = sentinel.ports
      expect(await sentinel.masterPort()).toBe(master)
      await sentinel.failover()
      expect(await sentinel.masterPort()).toBe(replica)
    } finally {
      await sentinel.close()
    }
    await sentinel.close()
    expect(existsSync(sentinel.dir)).toBe(false)
    expect(await Promise.all([...sentinel.ports, sentinel.sentinelPort].map(answersPing))).toEqual([false, false, false])
  }, 60_000)
})
