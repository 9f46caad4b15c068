import type { DifferenceCollector } from './difference-collector.js'

const BEFORE = 40
const AFTER = 120

function excerpt(s: string, at: number): string {
  const start = Math.max(0, at - BEFORE)
  const end = Math.min(s.length, at + AFTER)
  return `${start > 0 ? '…' : ''}${s.slice(start, end)}${end < s.length ? '…' : ''}`
}

/** Index of the first differing UTF-16 unit (the shorter length when one is a prefix of the other). */
export function firstDifference(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  let i = 0
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++
  return i
}

/**
 * Compares two bodies as text, exactly (no whitespace or line-ending normalisation). A difference is
 * one `changed` at `$` whose values are excerpts around the first differing character, so a sample
 * shows where the texts part without carrying megabytes.
 */
export function diffText(a: string, b: string, out: DifferenceCollector): void {
  if (a === b) return
  const at = firstDifference(a, b)
  out.add('changed', '$', '$', excerpt(a, at), excerpt(b, at))
}
