import { createHash } from 'node:crypto'

/**
 * The mismatch group id: the first 16 hex digits of SHA-1 over the route, the sorted distinct
 * `path<TAB>kind` pairs (collapsed paths, so `$.items[3].price` and `$.items[7].price` group together)
 * and the status pair `primary→shadow`. Stable across runs, processes and versions that keep this input.
 */
export function mismatchFingerprint(route: string, pathKinds: readonly string[], primaryStatus: number, shadowStatus: number): string {
  const sorted = [...new Set(pathKinds)].sort()
  const input = `${route}\n${sorted.join('\n')}\n${primaryStatus}→${shadowStatus}`
  return createHash('sha1').update(input, 'utf8').digest('hex').slice(0, 16)
}
