import { spawn } from 'node:child_process'
import { NodeProcess } from '@shadowgate/dev-helpers'
import { fileURLToPath } from 'node:url'

/** The built CLI, as an operator runs it (tests spawn dist, never the sources). */
export const CLI_MAIN = fileURLToPath(new URL('../../../cli/dist/src/main.js', import.meta.url))

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

/** A long-running CLI process (the gateway) whose JSON log lines the test can wait for; see NodeProcess. */
export class CliProcess extends NodeProcess {
  /** `detached`: the gateway leads its own process group (as under a terminal or systemd), so a test can signal the whole group. */
  constructor(args: readonly string[], env: NodeJS.ProcessEnv = {}, opts: { detached?: boolean } = {}) {
    super(CLI_MAIN, args, { env, detached: opts.detached ?? false })
  }

  /** Resolves with the exit code once the process ends by itself; SIGKILL after `timeoutMs` (then the code is null). */
  async exit(timeoutMs = 15_000): Promise<number | null> {
    const res = await this.waitExit(timeoutMs)
    if (!res.timedOut) return res.code
    return await this.stop('SIGKILL', timeoutMs)
  }
}
