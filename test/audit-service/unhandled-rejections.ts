import { afterEach, beforeEach } from 'vitest'

/** The unhandled rejections of each test of the calling suite (emptied before each test). */
export function recordUnhandledRejections(): unknown[] {
  const seen: unknown[] = []
  const track = (reason: unknown): void => {
    seen.push(reason)
  }
  beforeEach(() => {
    seen.length = 0
    process.on('unhandledRejection', track)
  })
  afterEach(() => {
    process.off('unhandledRejection', track)
  })
  return seen
}

/** One turn of the event loop: what a promise handler reporting a failure needs to have run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
