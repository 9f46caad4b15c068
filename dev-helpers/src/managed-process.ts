import { spawn, type ChildProcess } from 'node:child_process'

const live = new Set<ManagedProcess>()

/** Last resort on the way out of a bench or a test process: SIGKILL every ManagedProcess still running. */
export function killAllManagedProcesses(): void {
  for (const p of live) p.kill()
}

/** A child process the suite owns: started, stopped (SIGTERM then SIGKILL) and restarted on the same port. */
export class ManagedProcess {
  #child: ChildProcess | undefined
  #output = ''
  readonly #cmd: string
  readonly #args: readonly string[]
  readonly #env: NodeJS.ProcessEnv | undefined

  constructor(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv) {
    this.#cmd = cmd
    this.#args = args
    this.#env = env
  }

  get output(): string {
    return this.#output
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** The running child's pid; undefined when it is not running. */
  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined
  }

  start(): void {
    if (this.running) return
    live.add(this)
    const child = spawn(this.#cmd, [...this.#args], { stdio: ['ignore', 'pipe', 'pipe'], env: this.#env ?? process.env })
    const keep = (d: Buffer): void => {
      // Keep only the tail: enough to explain a failure, bounded in memory.
      this.#output = (this.#output + d.toString()).slice(-20_000)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    child.on('error', (err) => keep(Buffer.from(`spawn error: ${err.message}\n`)))
    child.once('exit', () => live.delete(this))
    this.#child = child
  }

  /** SIGKILL now, without waiting: the last resort when stop() itself did not finish. */
  kill(): void {
    if (this.running) this.#child?.kill('SIGKILL')
  }

  /** Sends a signal without waiting (SIGSTOP/SIGCONT to make a server unresponsive and resume it). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.#child?.kill(signal)
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5_000): Promise<void> {
    const child = this.#child
    if (!child || !this.running) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill(signal)
    // A stopped (SIGSTOP) process handles no signal but SIGKILL until it is continued.
    child.kill('SIGCONT')
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    await exited
    clearTimeout(timer)
  }
}
