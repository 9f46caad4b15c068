import type { Logger } from 'pino'

export interface GracefulShutdown {
  /** Starts the graceful close (idempotent); `reason` is logged. */
  trigger(reason: string): void
  /** Resolves with the process exit code once the close has finished: 0, or 1 when it failed. */
  readonly done: Promise<number>
}

/**
 * Signal handling of a server entry: the first SIGTERM/SIGINT starts a graceful close, a second one
 * ends the process at once (after `force`, e.g. killing cluster workers). Other triggers (an IPC
 * shutdown request) start the same close without counting as a signal.
 */
export function gracefulShutdown(opts: { logger: Logger; close: () => Promise<void>; force?: () => void }): GracefulShutdown {
  let started = false
  let resolveDone: (code: number) => void = () => undefined
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve
  })
  const trigger = (reason: string): void => {
    if (started) return
    started = true
    opts.logger.info({ reason }, 'shutting down: draining in-flight requests (send the signal again to exit at once)')
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
