import { printErr } from '@shadowgate/gateway/cli'

/** Exit code after Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130
/** Exit code after SIGTERM (128 + 15). */
export const EXIT_TERMINATED = 143

/** First SIGINT/SIGTERM: stop and clean up. Second: kill what must not outlive the process, exit now. */
export class DemoInterruption {
  readonly controller = new AbortController()
  signal: NodeJS.Signals | undefined
  #emergency: (() => void)[] = []
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    if (this.signal) {
      printErr('\nshadowgate demo: second signal, exiting now')
      this.emergency()
      process.exit(signal === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED)
    }
    this.signal = signal
    printErr(`\nshadowgate demo: ${signal === 'SIGINT' ? 'interrupted' : 'terminated'}, stopping everything it started (${signal === 'SIGINT' ? 'Ctrl-C' : 'signal'} again to exit at once)`)
    this.controller.abort()
  }
  readonly #onExit = (): void => this.emergency()

  constructor() {
    process.on('SIGINT', this.#onSignal)
    process.on('SIGTERM', this.#onSignal)
    // Whatever ends the process, a redis-server child must not survive it.
    process.on('exit', this.#onExit)
  }

  get aborted(): boolean {
    return this.controller.signal.aborted
  }

  get exitCode(): number {
    return this.signal === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED
  }

  onEmergency(fn: () => void): void {
    this.#emergency.push(fn)
  }

  emergency(): void {
    for (const fn of this.#emergency.splice(0)) {
      try {
        fn()
      } catch {
        // Best effort on the way out; nothing useful is left to report to.
      }
    }
  }

  dispose(): void {
    process.off('SIGINT', this.#onSignal)
    process.off('SIGTERM', this.#onSignal)
    process.off('exit', this.#onExit)
    this.#emergency = []
  }
}
