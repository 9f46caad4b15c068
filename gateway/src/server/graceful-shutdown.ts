import type { Logger } from 'pino'

export interface GracefulShutdown {
  /** Starts the graceful close (idempotent); `reason` is logged. */
  trigger(reason: string): void
  /** Resolves with the process exit code once the close has finished: 0, or 1 when it failed. */
  readonly done: Promise<number>
}

export interface GracefulShutdownOptions {
  readonly logger: Logger
  readonly close: () => Promise<void>
  /** Runs before a forced exit (e.g. killing cluster workers). */
  readonly force?: () => void
  /**
   * While this answers true, a signal only starts the graceful close, never the forced exit: a
   * cluster worker whose primary is connected. A terminal's Ctrl-C and systemd's stop signal the
   * whole process group, so such a worker gets the signal as well as the primary's shutdown message;
   * taking the second of the two as "exit at once" would cut its in-flight requests. The forced exit
   * of a cluster is a second signal to the primary, which kills its workers.
   */
  readonly supervised?: () => boolean
}

/**
 * Signal handling of a server entry: the first SIGTERM/SIGINT starts a graceful close, a second one
 * ends the process at once (after `force`), unless the process is `supervised`. Other triggers (an
 * IPC shutdown request) start the same close without counting as a signal.
 */
export function gracefulShutdown(opts: GracefulShutdownOptions): GracefulShutdown {
  let started = false
  let resolveDone: (code: number) => void = () => undefined
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve
  })
  const trigger = (reason: string): void => {
    if (started) return
    started = true
    const hint = opts.supervised?.() ? 'a second signal to the cluster primary exits at once' : 'send the signal again to exit at once'
    opts.logger.info({ reason }, `shutting down: draining in-flight requests (${hint})`)
    opts.close().then(
      () => {
        opts.logger.info('shut down cleanly')
        resolveDone(0)
      },
      (err: unknown) => {
        opts.logger.error({ err }, 'error while shutting down')
        resolveDone(1)
      },
    )
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!started) return trigger(signal)
    if (opts.supervised?.()) {
      opts.logger.info({ signal }, 'signal while draining: the cluster primary decides whether to cut the drain short')
      return
    }
    opts.logger.warn({ signal }, 'second signal: exiting without waiting')
    opts.force?.()
    process.exit(1)
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  void done.then(() => {
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
  })
  return { trigger, done }
}
