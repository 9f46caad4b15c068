import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The built entries, as operators run them (spawned processes run dist, never the sources). */
export const GATEWAY_MAIN = fileURLToPath(new URL('../../gateway/dist/src/cli/main.js', import.meta.url))
export const AUDIT_MAIN = fileURLToPath(new URL('../../audit-service/dist/src/cli/main.js', import.meta.url))

const running = new Set<ChildProcess>()
// A case cut short by its timeout must not leave a gateway or worker behind the test run.
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL')
})

/**
 * One long-running service process (gateway or audit worker) started from the built CLI. Its pino
 * lines are parsed so a test can wait for a log message; the output tail explains failures.
 * stop() is bounded: SIGKILL after the timeout.
 */
export class ServiceProcess {
  readonly child: ChildProcess
  readonly lines: Record<string, unknown>[] = []
  readonly #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  #text = ''
  #exitedAt: number | undefined

  constructor(main: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [main, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
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
      // Only the lines a test waits for matter; keep the array bounded on long runs.
      if (this.lines.length > 5_000) this.lines.splice(0, this.lines.length - 5_000)
    })
    this.child.stderr?.on('data', (d: Buffer) => this.#keep(d))
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

  get output(): string {
    return this.#text
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null
  }

  /** When the process exited (epoch ms), undefined while it runs. */
  get exitedAt(): number | undefined {
    return this.#exitedAt
  }

  logged(msg: string): boolean {
    return this.lines.some((l) => l['msg'] === msg)
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.exited) this.child.kill(signal)
  }

  /** Resolves with the exit code (null when killed by a signal), bounded by `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }> {
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
    this.#text = (this.#text + d.toString()).slice(-30_000)
  }
}
