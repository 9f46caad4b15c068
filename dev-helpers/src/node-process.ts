import { spawn, type ChildProcess } from 'node:child_process'
import { waitFor } from './wait-for.js'

export interface NodeProcessOptions {
  /** Added to the parent's environment. */
  readonly env?: NodeJS.ProcessEnv
  /** Flags for node itself, before the script (e.g. --max-semi-space-size=8). */
  readonly nodeFlags?: readonly string[]
  /** A name for messages; default the script's file name. */
  readonly name?: string
  /** Lead its own process group (as under a terminal or systemd), so a test can signal the whole group. */
  readonly detached?: boolean
}

export interface NodeProcessExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly timedOut: boolean
}

const running = new Set<ChildProcess>()
let exitHookInstalled = false

/** Last resort on the way out of a test or bench process (no waiting possible): SIGKILL every NodeProcess still running. */
export function killAllNodeProcesses(): void {
  for (const c of running) c.kill('SIGKILL')
}

/** Lines of JSON output kept for waits on log messages; older ones are dropped on long runs. */
const MAX_LINES = 5_000
const MAX_OUTPUT = 30_000

/**
 * One long-running `node <script>` child (a gateway, a worker, a CLI command) whose stdout is read as
 * pino's JSON lines, so a caller can wait for a log message; the output tail explains failures.
 * Every stop is bounded: SIGKILL after its timeout; nothing survives the parent's exit.
 */
export class NodeProcess {
  readonly name: string
  readonly child: ChildProcess
  readonly lines: Record<string, unknown>[] = []
  readonly #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  #text = ''
  #exitedAt: number | undefined

  constructor(script: string, args: readonly string[], opts: NodeProcessOptions = {}) {
    this.name = opts.name ?? script.split('/').at(-1) ?? script
    if (!exitHookInstalled) {
      exitHookInstalled = true
      process.once('exit', killAllNodeProcesses)
    }
    this.child = spawn(process.execPath, [...(opts.nodeFlags ?? []), script, ...args], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false })
    running.add(this.child)
    let partial = ''
    this.child.stdout?.on('data', (d: Buffer) => {
      this.#keep(d)
      partial += d.toString()
      const parts = partial.split('\n')
      partial = parts.pop() ?? ''
      for (const p of parts) {
        try {
          this.lines.push(JSON.parse(p) as Record<string, unknown>)
        } catch {
          // Not a log line: it stays in the output tail.
        }
      }
      if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES)
    })
    this.child.stderr?.on('data', (d: Buffer) => this.#keep(d))
    this.child.on('error', (err) => this.#keep(Buffer.from(`spawn error: ${err.message}\n`)))
    this.#exit = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        running.delete(this.child)
        this.#exitedAt = Date.now()
        resolve({ code, signal })
      }),
    )
  }

  get pid(): number {
    return this.child.pid ?? -1
  }

  /** Tail of everything printed (stdout and stderr), for failure messages. */
  get output(): string {
    return this.#text
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null
  }

  get running(): boolean {
    return !this.exited
  }

  /** When the process exited (epoch ms), undefined while it runs. */
  get exitedAt(): number | undefined {
    return this.#exitedAt
  }

  /** Whether a JSON log line with this `msg` was printed. */
  logged(msg: string): boolean {
    return this.lines.some((l) => l['msg'] === msg)
  }

  /** How many lines of output so far contain `text` (log lines and plain lines alike). */
  seen(text: string): number {
    let n = 0
    for (const l of this.lines) if (JSON.stringify(l).includes(text)) n++
    return n
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.exited) this.child.kill(signal)
  }

  /** Waits until `ready()` says so; fails at once if the process exits, or after `timeoutMs`, with its output. */
  async waitReady(ready: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    await waitFor(async () => this.exited || (await ready()), timeoutMs, () => `${this.name} to be ready: ${this.output.trim()}`, 100)
    if (this.exited) throw new Error(`${this.name} exited during start-up: ${this.output.trim()}`)
  }

  /** Resolves with the exit code (null when killed by a signal), bounded by `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<NodeProcessExit> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
    const res = await Promise.race([this.#exit, timeout])
    clearTimeout(timer)
    if (res === 'timeout') return { code: null, signal: null, timedOut: true }
    return { ...res, timedOut: false }
  }

  /** Sends `signal`, then SIGKILL after `timeoutMs`; resolves with the exit code. Idempotent. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<number | null> {
    this.signal(signal)
    const res = await this.waitExit(timeoutMs)
    if (!res.timedOut) return res.code
    this.signal('SIGKILL')
    return (await this.#exit).code
  }

  #keep(d: Buffer): void {
    this.#text = (this.#text + d.toString()).slice(-MAX_OUTPUT)
  }
}
