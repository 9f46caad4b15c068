import { stickyBucket } from '@shadowgate/shared'

/**
 * Decides whether one request is in the mirrored share of its route. With a sticky key the
 * decision is a pure function of (key, route): the same key is always in or out, every replica
 * agrees, and raising the percent only adds keys. Without one it is a fair coin weighted by the
 * percent. Percent is 0-100 and may be fractional (0.5 = one request in two hundred).
 */
export function isSampled(percent: number, route: string, stickyKey: string | undefined, random: () => number = Math.random): boolean {
  if (percent <= 0) return false
  if (percent >= 100) return true
  return (stickyKey === undefined ? random() * 100 : stickyBucket(stickyKey, route)) < percent
}

/**
 * How many copies of one request a percent asks for: 250 is two copies, plus a third for half of
 * the requests. The fractional share is decided like a percent below 100 (by the sticky bucket when
 * the route has a sticky key), so the same keys get the extra copy and raising the percent only adds
 * copies. Only `amplify` requests (safe methods) get more than one copy.
 */
export function copiesFor(percent: number, route: string, stickyKey: string | undefined, amplify: boolean, random: () => number = Math.random): number {
  if (percent <= 100 || !amplify) return isSampled(percent, route, stickyKey, random) ? 1 : 0
  const whole = Math.floor(percent / 100)
  return whole + (isSampled(percent - whole * 100, route, stickyKey, random) ? 1 : 0)
}

/** Methods a load test may amplify beyond one copy: a repeated safe request changes nothing. */
export const AMPLIFIED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS'])
