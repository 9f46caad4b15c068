import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The built CLIs, run as operators run them. */
export const GATEWAY_CLI = fileURLToPath(new URL('../../../gateway/dist/src/cli/main.js', import.meta.url))
export const AUDIT_CLI = fileURLToPath(new URL('../../../audit-service/dist/src/cli/main.js', import.meta.url))

const running = new Set<ChildProcess>()

/** Last resort on the way out (exit handler, no waiting possible): no service outlives the bench. */
export function killServices(): void {
  for (const c of running) c.kill('SIGKILL')
}

/**
 * A service process (`node <cli> <args>`) whose output tail is kept for error messages; started,
 * awaited until `ready()` says so (bounded), and stopped with SIGTERM then SIGKILL.
 */
export class CliService {
  readonly name: string
  readonly #child: ChildProcess
  readonly #exited: Promise<number | null>
  readonly #watched = new Map<string, number>()
  #tail = ''
  #partial = ''

  /** `watch`: texts whose output lines are counted (e.g. a log message), see seen(). */
  /** `nodeFlags`: flags for node itself, before the script (e.g. AUDIT_WORKER_NODE_FLAGS). */
  constructor(name: string, cli: string, args: readonly string[], watch: readonly string[] = [], nodeFlags: readonly string[] = []) {
    this.name = name
    for (const w of watch) this.#watched.set(w, 0)
    this.#child = spawn(process.execPath, [...nodeFlags, cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    running.add(this.#child)
    const keep = (d: Buffer): void => {
      this.#tail = (this.#tail + d.toString()).slice(-4_000)
    }
    this.#child.stdout?.on('data', (d: Buffer) => {
      keep(d)
      if (this.#watched.size === 0) return
      const lines = (this.#partial + d.toString()).split('\n')
      this.#partial = lines.pop() ?? ''
      for (const line of lines) for (const [w, n] of this.#watched) if (line.includes(w)) this.#watched.set(w, n + 1)
    })
    this.#child.stderr?.on('data', keep)
    this.#exited = new Promise((resolve) =>
      this.#child.once('exit', (code) => {
        running.delete(this.#child)
        resolve(code)
      }),
    )
  }

  get pid(): number {
    return this.#child.pid ?? -1
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** Output lines so far that contain `text` (one of the watched texts). */
  seen(text: string): number {
    return this.#watched.get(text) ?? 0
  }

  get tail(): string {
    return this.#tail.trim()
  }

  async waitReady(ready: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited during start-up: ${this.tail}`)
      if (await ready().catch(() => false)) return
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms: ${this.tail}`)
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit code. Idempotent. */
  async stop(timeoutMs = 20_000): Promise<number | null> {
    if (this.running) this.#child.kill('SIGTERM')
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs)
    const code = await this.#exited
    clearTimeout(timer)
    return code
  }
}
