import { DiffBudgetError } from '../errors.js'

/** How often (in nodes) the clock is read: often enough to stop within a few ms, rarely enough to cost nothing. */
const CHECK_EVERY = 1024

/**
 * Bounds one comparison by nodes visited and by wall time. The node limit makes verdicts
 * reproducible on any machine; the time limit protects the worker when the machine is slow.
 * `tick` throws DiffBudgetError once either is exceeded; the judge turns that into skipped/diff_budget.
 */
export class DiffBudget {
  private visited = 0
  private untilCheck = CHECK_EVERY
  private readonly deadline: number

  constructor(
    readonly maxNodes: number,
    readonly timeoutMs: number,
  ) {
    this.deadline = performance.now() + timeoutMs
  }

  get nodes(): number {
    return this.visited
  }

  tick(n = 1): void {
    this.visited += n
    if (this.visited > this.maxNodes) throw new DiffBudgetError(`comparison exceeded ${this.maxNodes} nodes`)
    this.untilCheck -= n
    if (this.untilCheck > 0) return
    this.untilCheck = CHECK_EVERY
    if (performance.now() > this.deadline) throw new DiffBudgetError(`comparison exceeded ${this.timeoutMs} ms`)
  }
}
