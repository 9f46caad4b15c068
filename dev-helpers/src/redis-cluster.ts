import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'
import { redisCli, redisCliAnswers as answers } from './redis-cli.js'
import { ManagedProcess } from './managed-process.js'
import { waitFor } from './wait-for.js'

/** One redis-server of a test cluster. */
export interface TestClusterNode {
  readonly port: number
  readonly url: string
  /** Whether it is a master right now (asked from the node itself). */
  isMaster(): Promise<boolean>
  /** SIGKILLs the node (a crash); its replica takes over after cluster-node-timeout. */
  kill(): void
}

export interface TestRedisCluster {
  /** The temp dir holding every node's data and nodes.conf; close() removes it. */
  readonly dir: string
  /** Every node's URL, masters first: what goes in `redis.cluster`. */
  readonly urls: readonly string[]
  readonly nodes: readonly TestClusterNode[]
  /** The node's reply to a redis-cli command, e.g. `cli(port, 'cluster', 'info')`. */
  cli(port: number, ...args: string[]): Promise<string>
  /** Waits until every live node reports cluster_state:ok and agrees on the slot owners. */
  waitHealthy(timeoutMs?: number): Promise<void>
  /** Stops every node (SIGTERM, then SIGKILL) and removes the temp dir. Idempotent, bounded. */
  close(): Promise<void>
}

export interface RedisClusterOptions {
  /** Masters; default 3 (the smallest cluster redis-cli creates). */
  readonly masters?: number
  /** Replicas per master; default 0. One replica per master is what a failover test needs. */
  readonly replicasPerMaster?: number
  /** cluster-node-timeout: how long a dead master goes unnoticed before its replica takes over; default 1000 ms. */
  readonly nodeTimeoutMs?: number
}

/**
 * Starts a real Redis Cluster of `masters` masters (and `replicasPerMaster` replicas each) on free
 * ports in one temp dir: every node with its own cluster bus port, joined by `redis-cli --cluster
 * create`, and waited for until every node says cluster_state:ok. Nothing is persisted.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<TestRedisCluster> {
  const masters = options.masters ?? 3
  const replicas = options.replicasPerMaster ?? 0
  const dir = await mkdtemp(join(tmpdir(), 'sg-redis-cluster-'))
  const procs: Array<{ port: number; proc: ManagedProcess }> = []
  let closing: Promise<void> | undefined
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await Promise.all(procs.map(({ proc }) => proc.stop('SIGTERM', 3_000).catch(() => proc.kill())))
      await rm(dir, { recursive: true, force: true })
    })())
  const live = (): number[] => procs.filter(({ proc }) => proc.running).map(({ port }) => port)
  const waitHealthy = async (timeoutMs = 20_000): Promise<void> => {
    await waitFor(
      async () => {
        for (const port of live()) {
          if (!(await answers(port, ['cluster', 'info'], (out) => out.includes('cluster_state:ok')))) return false
        }
        // Every node sees every slot served: --cluster check fails while a node still has stale views.
        const first = live()[0]
        return first !== undefined && (await answers(first, ['--cluster', 'check', `127.0.0.1:${first}`], (out) => out.includes('All 16384 slots covered') && !out.includes('[ERR]')))
      },
      timeoutMs,
      () => `redis cluster on ${live().join(',')} healthy`,
      200,
    )
  }
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await freePort()
      const bus = await freePort()
      const nodeDir = join(dir, String(port))
      await mkdir(nodeDir)
      const proc = new ManagedProcess('redis-server', [
        '--port', String(port), '--cluster-port', String(bus), '--bind', '127.0.0.1', '--dir', nodeDir,
        '--cluster-enabled', 'yes', '--cluster-config-file', join(nodeDir, 'nodes.conf'),
        '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 1_000),
        '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction',
      ])
      procs.push({ port, proc })
      proc.start()
    }
    for (const { port, proc } of procs) {
      await waitFor(() => answers(port, ['ping'], (out) => out.startsWith('PONG')), 10_000, () => `redis-server on ${port} (${proc.output})`, 100)
    }
    const first = procs[0]?.port ?? 0
    await redisCli(first, ['--cluster', 'create', ...procs.map(({ port }) => `127.0.0.1:${port}`), '--cluster-replicas', String(replicas), '--cluster-yes'])
    await waitHealthy()
  } catch (err) {
    await close()
    throw err
  }
  return {
    dir,
    urls: procs.map(({ port }) => `redis://127.0.0.1:${port}`),
    nodes: procs.map(({ port, proc }) => ({
      port,
      url: `redis://127.0.0.1:${port}`,
      isMaster: () => answers(port, ['role'], (out) => out.startsWith('master')),
      kill: () => proc.kill(),
    })),
    cli: (port, ...args) => redisCli(port, args),
    waitHealthy,
    close,
  }
}
