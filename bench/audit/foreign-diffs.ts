import { formatCollapsedPath, formatPath, type PathSegment } from '@shadowgate/shared'
import { diff as jsonDiff } from 'json-diff'
import microdiff from 'microdiff'
import { jsonType, type JsonValue, type DiffKind, type FieldDifference } from '@shadowgate/audit-service/diff'

/*
 * The two library engines the walker was measured against (bench/audit/diff-bench.ts), with
 * their output translated into the one path grammar, so every engine reports `$.items[*].price`
 * the same way. Neither applies ignore rules, tolerances or array modes; the verdict uses diffJson.
 */

function difference(kind: DiffKind, segments: readonly PathSegment[], primary: unknown, shadow: unknown): FieldDifference {
  return { path: formatCollapsedPath(segments), exactPath: formatPath(segments), kind, primary, shadow }
}

function changeKind(a: unknown, b: unknown): DiffKind {
  return jsonType(a as JsonValue) === jsonType(b as JsonValue) ? 'changed' : 'type'
}

/** microdiff's differences (index by index for arrays) in the path grammar. */
export function microdiffDifferences(primary: unknown, shadow: unknown): FieldDifference[] {
  if (typeof primary !== 'object' || primary === null || typeof shadow !== 'object' || shadow === null || Array.isArray(primary) !== Array.isArray(shadow)) {
    return Object.is(primary, shadow) ? [] : [difference(changeKind(primary, shadow), [], primary, shadow)]
  }
  return microdiff(primary as Record<string, unknown>, shadow as Record<string, unknown>).map((d) => {
    if (d.type === 'CREATE') return difference('added', d.path, undefined, d.value)
    if (d.type === 'REMOVE') return difference('removed', d.path, d.oldValue, undefined)
    return difference(changeKind(d.oldValue, d.value), d.path, d.oldValue, d.value)
  })
}

function isChange(node: unknown): node is { __old: unknown; __new: unknown } {
  return typeof node === 'object' && node !== null && !Array.isArray(node) && Object.keys(node).length === 2 && '__old' in node && '__new' in node
}

function collect(node: unknown, path: PathSegment[], out: FieldDifference[]): void {
  if (isChange(node)) {
    out.push(difference(changeKind(node.__old, node.__new), path, node.__old, node.__new))
    return
  }
  if (Array.isArray(node)) {
    // json-diff aligns arrays: ' ' equal, '-' only in the primary, '+' only in the shadow, '~' changed pair.
    let i = 0
    let j = 0
    for (const entry of node as [string, unknown][]) {
      const [op, value] = entry
      if (op === '-') out.push(difference('removed', [...path, i++], value, undefined))
      else if (op === '+') out.push(difference('added', [...path, j++], undefined, value))
      else {
        if (op === '~') collect(value, [...path, i], out)
        i++
        j++
      }
    }
    return
  }
  if (typeof node !== 'object' || node === null) return
  for (const [key, value] of Object.entries(node)) {
    const m = /^(.*)__(deleted|added)$/.exec(key)
    if (m?.[1] !== undefined) {
      out.push(m[2] === 'deleted' ? difference('removed', [...path, m[1]], value, undefined) : difference('added', [...path, m[1]], undefined, value))
    } else collect(value, [...path, key], out)
  }
}

/** json-diff's differences (arrays aligned by similarity) in the path grammar. */
export function jsonDiffDifferences(primary: unknown, shadow: unknown): FieldDifference[] {
  const out: FieldDifference[] = []
  collect(jsonDiff(primary, shadow), [], out)
  return out
}
