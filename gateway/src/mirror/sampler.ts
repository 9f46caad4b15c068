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
