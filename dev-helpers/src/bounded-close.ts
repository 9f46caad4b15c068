/** One thing to close: `close` gets `limitMs`; past it `kill` (when there is one) ends it the hard way. */
export interface CloseStep {
  readonly name: string
  readonly limitMs: number
  close(): Promise<unknown>
  /** Ends what `close` could not (a process: SIGKILL). Must not throw and must not wait. */
  kill?(): void
}

/** Raised by closeInOrder when some steps failed or overran: every step's error, in order. */
export class CloseStepsError extends AggregateError {
  constructor(errors: readonly Error[]) {
    super(errors, `closing failed: ${errors.map((e) => e.message).join('; ')}`)
    this.name = 'CloseStepsError'
  }
}

async function runStep(step: CloseStep): Promise<Error | undefined> {
  let timer: NodeJS.Timeout | undefined
  const overrun = new Promise<'overrun'>((resolve) => {
    timer = setTimeout(() => resolve('overrun'), step.limitMs)
  })
  try {
    const result = await Promise.race([step.close().then(() => 'closed' as const), overrun])
    if (result === 'closed') return undefined
    step.kill?.()
    return new Error(`${step.name} did not close within ${step.limitMs} ms${step.kill ? ' (killed)' : ''}`)
  } catch (err) {
    step.kill?.()
    return new Error(`${step.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Runs every step in order, each bounded by its own limit, whatever the others did; then throws
 * CloseStepsError naming every step that failed or overran. A hanging close cannot keep the steps
 * after it (the processes the suite started) from running.
 */
export async function closeInOrder(steps: readonly CloseStep[]): Promise<void> {
  const errors: Error[] = []
  for (const step of steps) {
    const err = await runStep(step)
    if (err) errors.push(err)
  }
  if (errors.length > 0) throw new CloseStepsError(errors)
}
