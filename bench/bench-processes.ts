import { BenchChildProcess, type BenchChildOptions } from './bench-child-process.js'
import type { ChildSpec } from './child-protocol.js'
import { killLoadGenerators } from './load/spawn-bounded.js'
import { NodeProcess, killAllManagedProcesses, killAllNodeProcesses } from '@shadowgate/dev-helpers'

/**
 * The processes one bench script starts (role children and `shadowgate` CLI services) and the
 * script's log: every process is stopped on the way out, whichever way that is - return, SIGINT or
 * SIGTERM (exit 130), or an exit that leaves no time (synchronous kills).
 */
export class BenchProcesses {
  readonly #tag: string
  readonly #children: BenchChildProcess[] = []
  readonly #services: NodeProcess[] = []

  /** `tag` prefixes every log line: `[tag 12:34:56] …`. */
  constructor(tag: string) {
    this.#tag = tag
  }

  log(line: string): void {
    process.stderr.write(`[${this.#tag} ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
  }

  /** Starts a role child and returns it once it is ready (its URL is `start()`'s answer, kept in `url`). */
  async child(name: string, spec: ChildSpec, options?: BenchChildOptions): Promise<{ child: BenchChildProcess; url: string }> {
    const child = new BenchChildProcess(name, spec, options)
    this.#children.push(child)
    return { child, url: await child.start() }
  }

  /** Spawns `node [nodeFlags] cli args`; see NodeProcess. */
  service(name: string, cli: string, args: readonly string[], nodeFlags: readonly string[] = []): NodeProcess {
    const s = new NodeProcess(cli, args, { name, nodeFlags })
    this.#services.push(s)
    return s
  }

  /** Stops every service (5 s each), then every child. */
  async closeAll(): Promise<void> {
    await Promise.allSettled(this.#services.map((s) => s.stop('SIGTERM', 5_000)))
    await Promise.allSettled(this.#children.map((c) => c.close()))
  }

  /** Kills everything at process exit, and stops it all on SIGINT/SIGTERM before exiting with 130. */
  stopOnExit(): void {
    const killAll = (): void => {
      killLoadGenerators()
      killAllNodeProcesses()
      killAllManagedProcesses()
      for (const c of this.#children) c.killNow()
    }
    process.on('exit', killAll)
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        this.log(`${signal}: stopping`)
        killLoadGenerators()
        void this.closeAll().finally(() => process.exit(130))
      })
    }
  }
}
