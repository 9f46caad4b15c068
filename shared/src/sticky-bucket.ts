import { createHash } from 'node:crypto'

/**
 * Maps a sticky key (a user id, a session cookie, a tenant) to a point in [0, 100). A request is
 * mirrored when its point is below the route's percent, so the same key is always in or out, every
 * replica agrees (no shared state, no randomness), and raising the percent only adds keys.
 * `salt` is the route name, so one user is not in every route's sample at once.
 */
export function stickyBucket(key: string, salt: string): number {
  const digest = createHash('sha1').update(salt).update('\u0000').update(key).digest()
  // 48 bits are plenty for percent steps of 0.001 and stay exact in a double.
  return (digest.readUIntBE(0, 6) / 2 ** 48) * 100
}
