import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'
import { redisCli, redisCliAnswers as answers } from './redis-cli.js'
import { ManagedProcess } from './managed-process.js'
import { waitFor } from './wait-for.js'

export interface TestRedisSentinel {
  /** The temp dir of both servers and the sentinel's config; close() removes it. */
  readonly dir: string
  /** The master group name the sentinel monitors. */
  readonly name: string
  /** What goes in `redis.sentinels`. */
  readonly sentinelUrl: string
  readonly sentinelPort: number
  /** Ports of the master and the replica as started (after a failover they trade roles). */
  readonly ports: readonly [number, number]
  /** The port the sentinel names as master right now. */
  masterPort(): Promise<number>
  /** Forces a failover (`SENTINEL FAILOVER`) and waits until the sentinel names the other server. */
  failover(timeoutMs?: number): Promise<void>
  /** Stops the sentinel and both servers and removes the temp dir. Idempotent, bounded. */
  close(): Promise<void>
}

/**
 * Starts a real master, one replica and one sentinel (`redis-server --sentinel`) monitoring them, on
 * free ports in one temp dir, and waits until the sentinel knows the replica. Nothing is persisted.
 */
export async function startRedisSentinel(name = 'mymaster'): Promise<TestRedisSentinel> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-redis-sentinel-'))
  const procs: ManagedProcess[] = []
  let closing: Promise<void> | undefined
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // The sentinel first, so it does not fail over while the servers stop.
      for (const p of procs) await p.stop('SIGTERM', 3_000).catch(() => p.kill())
      await rm(dir, { recursive: true, force: true })
    })())
  const server = async (port: number, extra: readonly string[]): Promise<void> => {
    const nodeDir = join(dir, String(port))
    await mkdir(nodeDir)
    const proc = new ManagedProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', nodeDir, '--save', '', '--appendonly', 'no', ...extra])
    procs.push(proc)
    proc.start()
    await waitFor(() => answers(port, ['ping'], (out) => out.startsWith('PONG')), 10_000, () => `redis-server on ${port} (${proc.output})`, 100)
  }
  try {
    const [master, replica, sentinelPort] = [await freePort(), await freePort(), await freePort()]
    const conf = join(dir, 'sentinel.conf')
    await writeFile(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${master} 1`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        '',
      ].join('\n'),
    )
    await server(master, [])
    await server(replica, ['--replicaof', '127.0.0.1', String(master)])
    const sentinel = new ManagedProcess('redis-server', [conf, '--sentinel'])
    procs.unshift(sentinel)
    sentinel.start()
    await waitFor(() => answers(sentinelPort, ['sentinel', 'replicas', name], (out) => out.includes(String(replica))), 20_000, () => `sentinel on ${sentinelPort} to see the replica (${sentinel.output})`, 100)
    await waitFor(() => answers(replica, ['info', 'replication'], (out) => out.includes('master_link_status:up')), 20_000, 'the replica to sync', 100)
    const masterPort = async (): Promise<number> => Number((await redisCli(sentinelPort, ['sentinel', 'get-master-addr-by-name', name])).trim().split('\n')[1])
    return {
      dir,
      name,
      sentinelUrl: `redis://127.0.0.1:${sentinelPort}`,
      sentinelPort,
      ports: [master, replica],
      masterPort,
      async failover(timeoutMs = 20_000) {
        const before = await masterPort()
        await redisCli(sentinelPort, ['sentinel', 'failover', name])
        await waitFor(async () => (await masterPort()) !== before, timeoutMs, `sentinel to promote the replica of ${before}`, 100)
        const after = await masterPort()
        await waitFor(() => answers(after, ['role'], (out) => out.startsWith('master')), timeoutMs, `${after} to be master`, 100)
      },
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}
