import { parsePathPattern } from '@shadowgate/shared'
import { colorize, diff } from 'json-diff'
import type { FieldDifference } from './field-difference.js'

/** What renderDiff needs of a mismatch sample (a stored MismatchSample or a Verdict both fit). */
export interface DiffSample {
  readonly differences: readonly FieldDifference[]
  readonly differenceCount: number
}

// Our own ANSI theme: the `colors` package json-diff uses by default switches itself off when stdout is not a TTY.
const ANSI: Record<' ' | '+' | '-', (s: string) => string> = {
  ' ': (s) => s,
  '+': (s) => `\u001b[32m${s}\u001b[39m`,
  '-': (s) => `\u001b[31m${s}\u001b[39m`,
}

type Doc = Record<string, unknown>

function place(doc: Doc, keys: readonly string[], value: unknown): void {
  if (value === undefined || keys.length === 0) return
  let node = doc
  for (const k of keys.slice(0, -1)) {
    const next = Object.hasOwn(node, k) ? node[k] : undefined
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) node = next as Doc
    else {
      const fresh: Doc = {}
      Object.defineProperty(node, k, { value: fresh, enumerable: true, writable: true, configurable: true })
      node = fresh
    }
  }
  Object.defineProperty(node, keys.at(-1) as string, { value, enumerable: true, writable: true, configurable: true })
}

/**
 * Creates the containers above a difference on one side. Both answers had a body (and headers), so
 * a key only one side has is shown inside the other side's (possibly empty) object, never as if
 * that side had no body at all: a shadow that answered `{}` where the primary answered `{"a":1}`
 * reads `body: { -a: 1 }`, not `-body: {…}`.
 */
function ensureParents(doc: Doc, keys: readonly string[]): void {
  let node = doc
  for (const k of keys.slice(0, -1)) {
    const next = Object.hasOwn(node, k) ? node[k] : undefined
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) node = next as Doc
    else if (next === undefined) {
      const fresh: Doc = {}
      Object.defineProperty(node, k, { value: fresh, enumerable: true, writable: true, configurable: true })
      node = fresh
    } else return
  }
}

/** Keys under which a difference is shown: `status`, `headers.<name>`, or `body` plus the body path (indices as `[3]`). */
function keysOf(d: FieldDifference): string[] {
  if (d.path === 'status') return ['status']
  if (d.path.startsWith('header:')) return ['headers', d.path.slice('header:'.length)]
  try {
    const segs = parsePathPattern(d.exactPath).segments
    return ['body', ...segs.map((s) => (s.type === 'key' ? s.name : s.type === 'index' ? `[${s.index}]` : '*'))]
  } catch {
    return ['body', d.exactPath]
  }
}

/**
 * A colored, human diff of a mismatch sample, for the `shadowgate mismatches` command. The stored
 * differences are laid out as two sparse documents (`status`, `headers`, `body` with only the
 * differing paths) and rendered by json-diff: `-` lines are the primary, `+` lines the shadow,
 * red and green when `color` is on. Returns '' when there is nothing to show.
 */
export function renderDiff(sample: DiffSample, color = false): string {
  const primary: Doc = {}
  const shadow: Doc = {}
  for (const d of sample.differences) {
    const keys = keysOf(d)
    ensureParents(primary, keys)
    ensureParents(shadow, keys)
    place(primary, keys, d.primary)
    place(shadow, keys, d.shadow)
  }
  // json-diff returns undefined for equal inputs.
  const changes: unknown = diff(primary, shadow)
  const text = changes === undefined ? '' : colorize(changes as object, { color, theme: ANSI })
  const hidden = sample.differenceCount - sample.differences.length
  return hidden > 0 ? `${text}… ${hidden} more difference${hidden === 1 ? '' : 's'} not kept\n` : text
}
