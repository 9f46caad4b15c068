/**
 * Polls `check` until it returns true or `timeoutMs` passes. Bounded: never loops forever. `what` may be
 * a function, read only on timeout, so a message can show state as it was then (a process's output).
 */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what: string | (() => string) = 'condition', intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastErr: unknown
  while (Date.now() < deadline) {
    try {
      if (await check()) return
    } catch (err) {
      lastErr = err
    }
    await new Promise((r) => setTimeout(r, intervalMs))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}${lastErr ? `: ${String(lastErr)}` : ''}`)
}
