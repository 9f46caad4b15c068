import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The built CLI, as an operator runs it (tests spawn dist, never the sources). */
export const CLI_MAIN = fileURLToPath(new URL('../../../gateway/dist/src/cli/main.js', import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the CLI to completion; killed (and reported) if it takes longer than `timeoutMs`. */
export async function runCli(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000)
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

/** Whether a process with this pid still runs (signal 0 checks without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A long-running CLI process (the gateway) whose JSON log lines the test can wait for. */
export class CliProcess {
  readonly child: ChildProcess
  readonly lines: Record<string, unknown>[] = []
  #text = ''
  readonly #exit: Promise<number | null>

  /** `detached`: the gateway leads its own process group (as under a terminal or systemd), so a test can signal the whole group. */
  constructor(args: readonly string[], env: NodeJS.ProcessEnv = {}, opts: { detached?: boolean } = {}) {
    this.child = spawn(process.execPath, [CLI_MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false })
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
          // Not a log line: kept in output for failure messages.
        }
      }
    })
    this.child.stderr?.on('data', (d: Buffer) => this.#keep(d))
    this.#exit = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)))
  }

  /** Tail of everything printed, for failure messages. */
  get output(): string {
    return this.#text
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null
  }

  /** Sends `signal` and resolves with the exit code; SIGKILL after `timeoutMs` (then the code is null). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<number | null> {
    if (!this.exited) this.child.kill(signal)
    return await this.exit(timeoutMs)
  }

  /** Resolves with the exit code once the process ends by itself; SIGKILL after `timeoutMs` (then the code is null). */
  async exit(timeoutMs = 15_000): Promise<number | null> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs)
    const code = await this.#exit
    clearTimeout(timer)
    return code
  }

  #keep(d: Buffer): void {
    this.#text = (this.#text + d.toString()).slice(-30_000)
  }
}
