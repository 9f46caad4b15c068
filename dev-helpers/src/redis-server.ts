import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'
import { waitFor } from './wait-for.js'
import { ManagedProcess } from './managed-process.js'

export interface TestRedis {
  readonly port: number
  readonly url: string
  stop(): Promise<void>
  /** Starts it again on the same port (after stop()). */
  start(): Promise<void>
  /** Signals redis-server: SIGSTOP freezes it (connections stay open, nothing is answered), SIGCONT resumes it, SIGKILL kills it. */
  signal(signal: NodeJS.Signals): void
  close(): Promise<void>
  /** SIGKILLs the server at once (when close() did not finish); the temp dir stays. */
  kill(): void
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port })
    sock.setTimeout(500)
    sock.once('connect', () => sock.write('PING\r\n'))
    sock.once('data', (d) => {
      sock.destroy()
      resolve(d.toString().startsWith('+PONG'))
    })
    sock.once('error', () => resolve(false))
    sock.once('timeout', () => {
      sock.destroy()
      resolve(false)
    })
  })
}

/** Starts a real redis-server on a free port in a temp dir; nothing is persisted. */
export async function startRedis(): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-redis-'))
  const port = await freePort()
  const proc = new ManagedProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction'])
  const start = async (): Promise<void> => {
    proc.start()
    await waitFor(() => ping(port), 10_000, () => `redis-server on ${port} (${proc.output})`)
  }
  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop: () => proc.stop(),
    kill: () => proc.kill(),
    signal: (signal) => proc.signal(signal),
    async close() {
      await proc.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
