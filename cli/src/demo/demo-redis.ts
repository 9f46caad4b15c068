import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { DemoPrerequisiteError } from '../errors.js'
import { freePort } from './free-port.js'

/** The Redis the demo uses: REDIS_URL's, or a redis-server it started and will stop. */
export interface DemoRedis {
  readonly url: string
  /** `REDIS_URL` or `redis-server on port N`. */
  readonly description: string
  /** True when the demo started this Redis (and so nothing else can be using it). */
  readonly owned: boolean
  /** Stops the redis-server the demo started and removes its directory. Idempotent. */
  close(): Promise<void>
  /** The same, synchronously and without waiting (for a second Ctrl-C or an exiting process). */
  killNow(): void
}

export interface StartDemoRedisOptions {
  /** Receives a synchronous kill for each redis-server child the moment it is spawned. */
  readonly onSpawn?: (killNow: () => void) => void
}

const INSTALL_HINT = `Install it and run the demo again:
  Debian/Ubuntu:  sudo apt-get install redis-server
  Fedora/RHEL:    sudo dnf install redis
  macOS:          brew install redis
or point the demo at a Redis you already run: REDIS_URL=redis://127.0.0.1:6379 npm run demo
(the demo's keys there get their own prefix and are deleted at the end).`

const START_TIMEOUT_MS = 10_000
const STOP_TIMEOUT_MS = 3_000
const PORT_ATTEMPTS = 3

/** One PING over a raw socket: true for +PONG, false for anything else within 500 ms. */
export async function redisAnswers(host: string, port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const sock = createConnection({ host, port })
    const done = (ok: boolean): void => {
      sock.destroy()
      resolve(ok)
    }
    sock.setTimeout(500)
    sock.once('connect', () => sock.write('PING\r\n'))
    sock.once('data', (d) => done(d.toString().startsWith('+PONG')))
    sock.once('error', () => done(false))
    sock.once('timeout', () => done(false))
  })
}

/** Resolves once the child is running, rejects with its spawn error (ENOENT when not installed). */
async function spawned(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve())
    child.once('error', reject)
  })
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  await gone
  clearTimeout(timer)
}

async function startChild(dir: string, onSpawn: (child: ChildProcess) => void): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  let lastOutput = ''
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await freePort()
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction']
    // Its own process group: a Ctrl-C in the terminal reaches only the demo, which then stops
    // Redis last, after the gateway and the worker have let go of it.
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    onSpawn(child)
    let output = ''
    const keep = (d: Buffer): void => {
      output = (output + d.toString()).slice(-4_000)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    try {
      await spawned(child)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new DemoPrerequisiteError(`the demo needs Redis, but REDIS_URL is not set and redis-server is not on the PATH.\n${INSTALL_HINT}`)
      throw new DemoPrerequisiteError(`redis-server could not be started: ${(err as Error).message}`, { cause: err })
    }
    const deadline = Date.now() + START_TIMEOUT_MS
    while (Date.now() < deadline && !exited(child)) {
      if (await redisAnswers('127.0.0.1', port)) return { child, port, output: () => output }
      await sleep(50)
    }
    // Exited (most likely the port was taken in the meantime) or never answered: try another port.
    await stopChild(child)
    lastOutput = output
  }
  throw new DemoPrerequisiteError(`redis-server did not start answering on 127.0.0.1 (${PORT_ATTEMPTS} attempts). Its last output:\n${lastOutput.trim() || '(none)'}`)
}

async function checkReachable(url: string): Promise<void> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new DemoPrerequisiteError(`REDIS_URL must be a redis:// URL such as redis://127.0.0.1:6379 (got "${url}")`)
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new DemoPrerequisiteError(`REDIS_URL must be a redis:// or rediss:// URL (got "${url}")`)
  // Only a plain, password-less Redis can be probed with a raw PING; others are left to the clients.
  if (parsed.protocol !== 'redis:' || parsed.password || parsed.username) return
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1'
  const port = Number(parsed.port || 6379)
  if (!(await redisAnswers(host, port))) throw new DemoPrerequisiteError(`REDIS_URL=${url} does not answer PING. Start that Redis, or unset REDIS_URL to let the demo start its own redis-server.`)
}

/**
 * The demo's Redis. With REDIS_URL set it is used as is (after a PING when it is a plain redis://
 * URL). Otherwise redis-server from the PATH is started on a free 127.0.0.1 port in a temporary
 * directory, persisting nothing (`--save '' --appendonly no`). Without either, a
 * DemoPrerequisiteError explains how to install Redis.
 */
export async function startDemoRedis(env: Readonly<Record<string, string | undefined>>, opts: StartDemoRedisOptions = {}): Promise<DemoRedis> {
  const fromEnv = env['REDIS_URL']?.trim()
  if (fromEnv) {
    await checkReachable(fromEnv)
    return { url: fromEnv, description: 'REDIS_URL', owned: false, close: async () => undefined, killNow: () => undefined }
  }
  const dir = mkdtempSync(join(tmpdir(), 'shadowgate-demo-'))
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true })
  // Handed out as soon as a child exists, so a second Ctrl-C during start-up cannot orphan it.
  const track = (child: ChildProcess): void =>
    opts.onSpawn?.(() => {
      if (!exited(child)) child.kill('SIGKILL')
      removeDir()
    })
  let started: Awaited<ReturnType<typeof startChild>>
  try {
    started = await startChild(dir, track)
  } catch (err) {
    removeDir()
    throw err
  }
  const { child, port } = started
  let closing: Promise<void> | undefined
  return {
    url: `redis://127.0.0.1:${port}`,
    description: `redis-server on 127.0.0.1:${port}`,
    owned: true,
    close() {
      closing ??= stopChild(child).finally(removeDir)
      return closing
    },
    killNow() {
      if (!exited(child)) child.kill('SIGKILL')
      removeDir()
    },
  }
}
