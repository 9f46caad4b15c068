import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunningRole } from '../child-protocol.js'
import { redisAnswers } from '../../src/demo/demo-redis.js'
import { freePort } from '../../src/demo/free-port.js'

/**
 * A real redis-server on a free port in a temp dir, nothing persisted. It lives in its own child
 * process so that, if the bench dies, the IPC disconnect still stops redis-server and removes the dir.
 */
export async function startRedisKeeper(): Promise<RunningRole> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-bench-redis-'))
  const port = await freePort()
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000)))
  const exited = new Promise<void>((resolve) => proc.once('close', () => resolve()))
  const spawnFailed = new Promise<string>((resolve) => proc.once('error', (err) => resolve(err.message)))
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3_000)
      await exited
      clearTimeout(timer)
    }
    await rm(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 10_000
  for (;;) {
    const failure = await Promise.race([spawnFailed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))])
    if (failure !== undefined || proc.exitCode !== null) {
      await stop()
      throw new Error(`redis-server did not start: ${failure ?? stderr}`)
    }
    if (await redisAnswers('127.0.0.1', port)) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`redis-server on port ${port} did not answer PING within 10 s: ${stderr}`)
    }
  }
  return { url: `redis://127.0.0.1:${port}`, port, stats: () => Promise.resolve({}), close: stop }
}
