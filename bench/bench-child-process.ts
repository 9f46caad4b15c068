import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { ChildMessage, ChildSpec, ChildStats, ParentMessage } from './child-protocol.js'

const CHILD_ENTRY = fileURLToPath(new URL('./bench-child.js', import.meta.url))
const START_TIMEOUT_MS = 20_000
const STATS_TIMEOUT_MS = 5_000
const CLOSE_TIMEOUT_MS = 6_000
const STDERR_KEPT = 4_000

/** How a child is started, beyond its role. */
export interface BenchChildOptions {
  /** Node flags of the child; default: the parent's. */
  readonly execArgv?: readonly string[]
  /** Receives the child's standard output (ignored when absent), e.g. V8's GC trace. */
  readonly onStdout?: (text: string) => void
  /** Runs the child through this program instead of node (fork's execPath), e.g. valgrind with node among `execArgv`. */
  readonly execPath?: string
  /** Start-up and close allowances, for children run under a slow tool. */
  readonly startTimeoutMs?: number
  readonly closeTimeoutMs?: number
}

/** Parent-side handle of one forked role: started, asked for stats over IPC, and always closed. */
export class BenchChildProcess {
  readonly name: string
  readonly #spec: ChildSpec
  readonly #options: BenchChildOptions
  #child: ChildProcess | undefined
  #url = ''
  #nextId = 1
  readonly #pending = new Map<number, (s: ChildStats) => void>()
  #closed: Promise<void> | undefined
  #stderr = ''

  constructor(name: string, spec: ChildSpec, options: BenchChildOptions = {}) {
    this.name = name
    this.#spec = spec
    this.#options = options
  }

  get url(): string {
    return this.#url
  }

  get pid(): number | undefined {
    return this.#child?.pid
  }

  async start(): Promise<string> {
    const { execArgv, onStdout, execPath } = this.#options
    const startTimeoutMs = this.#options.startTimeoutMs ?? START_TIMEOUT_MS
    const child = fork(CHILD_ENTRY, [JSON.stringify(this.#spec)], {
      stdio: ['ignore', onStdout ? 'pipe' : 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
      ...(execArgv ? { execArgv: [...execArgv] } : {}),
      ...(execPath ? { execPath } : {}),
    })
    this.#child = child
    if (onStdout) child.stdout?.setEncoding('utf8').on('data', onStdout)
    child.stderr?.on('data', (d: Buffer) => (this.#stderr = (this.#stderr + d.toString()).slice(-STDERR_KEPT)))
    child.on('message', (msg: ChildMessage) => {
      if (msg.type === 'stats') {
        this.#pending.get(msg.id)?.(msg.stats)
        this.#pending.delete(msg.id)
      }
    })
    this.#url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start within ${startTimeoutMs} ms${this.#tail()}`)), startTimeoutMs)
      const onMessage = (msg: ChildMessage): void => {
        if (msg.type === 'ready') done(() => resolve(msg.url))
        else if (msg.type === 'failed') done(() => reject(new Error(`${this.name} failed to start: ${msg.message}`)))
      }
      const onExit = (code: number | null, signal: string | null): void => done(() => reject(new Error(`${this.name} exited during start-up (${code ?? signal})${this.#tail()}`)))
      const done = (settle: () => void): void => {
        clearTimeout(timer)
        child.off('message', onMessage)
        child.off('exit', onExit)
        settle()
      }
      child.on('message', onMessage)
      child.on('exit', onExit)
    })
    return this.#url
  }

  #tail(): string {
    return this.#stderr ? `: ${this.#stderr.trim()}` : ''
  }

  /** The end of what the child wrote to stderr (a tool's summary at exit, say). */
  get stderr(): string {
    return this.#stderr
  }

  get running(): boolean {
    const c = this.#child
    return c !== undefined && c.exitCode === null && c.signalCode === null
  }

  /** Asks the child for its counters and RSS; rejects after a bounded wait. */
  async stats(): Promise<ChildStats> {
    const child = this.#child
    if (!child || !this.running || !child.connected) throw new Error(`${this.name} is not running${this.#tail()}`)
    const id = this.#nextId++
    return await new Promise<ChildStats>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new Error(`${this.name} did not report stats within ${STATS_TIMEOUT_MS} ms`))
      }, STATS_TIMEOUT_MS)
      this.#pending.set(id, (s) => {
        clearTimeout(timer)
        resolve(s)
      })
      const msg: ParentMessage = { type: 'stats', id }
      child.send(msg)
    })
  }

  /** Asks the child to close, then SIGTERM, then SIGKILL; idempotent and bounded in time. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      const child = this.#child
      if (!child || !this.running) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      const msg: ParentMessage = { type: 'close' }
      if (child.connected) child.send(msg, () => undefined)
      const closeTimeoutMs = this.#options.closeTimeoutMs ?? CLOSE_TIMEOUT_MS
      const term = setTimeout(() => child.kill('SIGTERM'), closeTimeoutMs / 2)
      const kill = setTimeout(() => child.kill('SIGKILL'), closeTimeoutMs)
      await exited
      clearTimeout(term)
      clearTimeout(kill)
    })()
    return this.#closed
  }

  /** Last resort on the way out of the process (exit handler): no waiting possible. */
  killNow(): void {
    if (this.running) this.#child?.kill('SIGKILL')
  }
}
