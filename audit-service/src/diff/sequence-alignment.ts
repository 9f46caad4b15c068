/** Receives an alignment (indices into the full sequences): `pair` for elements to compare one against the other, `removed`/`added` for the rest. */
export interface AlignmentSink {
  pair(i: number, j: number): void
  removed(i: number): void
  added(j: number): void
}

/** Work (comparisons and stored cells) the edit search may spend before falling back to index pairing. */
export const MAX_ALIGNMENT_WORK = 4_000_000

/**
 * Aligns two sequences of element keys (=== keys = equal elements) like a line diff: common prefix and
 * suffix first, then Myers' O((N+M)·D) shortest edit script on the middle. Equal elements are skipped;
 * within each run of deletions and insertions the elements are paired in order (they are probably the
 * same item, edited), and what is left over is removed or added. An insertion at the front of a
 * 20,000-element array is then one `added`, not 20,000 `changed`. When the middle needs more than
 * MAX_ALIGNMENT_WORK, the middle is paired index by index instead: always an answer, in bounded time.
 */
export function alignSequences<T>(a: ArrayLike<T>, b: ArrayLike<T>, sink: AlignmentSink): void {
  let lo = 0
  while (lo < a.length && lo < b.length && a[lo] === b[lo]) lo++
  let aHi = a.length
  let bHi = b.length
  while (aHi > lo && bHi > lo && a[aHi - 1] === b[bHi - 1]) {
    aHi--
    bHi--
  }
  const n = aHi - lo
  const m = bHi - lo
  if (n === 0 || m === 0) {
    for (let i = lo; i < aHi; i++) sink.removed(i)
    for (let j = lo; j < bHi; j++) sink.added(j)
    return
  }
  const script = myers(a, b, lo, n, m)
  if (script === undefined) {
    emitRun(sink, range(lo, aHi), range(lo, bHi))
    return
  }
  let dels: number[] = []
  let ins: number[] = []
  for (const op of script) {
    if (op.kind === 'equal') {
      emitRun(sink, dels, ins)
      dels = []
      ins = []
    } else if (op.kind === 'delete') dels.push(lo + op.index)
    else ins.push(lo + op.index)
  }
  emitRun(sink, dels, ins)
}

type Op = { readonly kind: 'equal' | 'delete' | 'insert'; readonly index: number }

function range(from: number, to: number): number[] {
  const out: number[] = []
  for (let i = from; i < to; i++) out.push(i)
  return out
}

function emitRun(sink: AlignmentSink, dels: readonly number[], ins: readonly number[]): void {
  const both = Math.min(dels.length, ins.length)
  for (let t = 0; t < both; t++) sink.pair(dels[t] as number, ins[t] as number)
  for (let t = both; t < dels.length; t++) sink.removed(dels[t] as number)
  for (let t = both; t < ins.length; t++) sink.added(ins[t] as number)
}

/** Shortest edit script between a[lo, lo+n) and b[lo, lo+m), in order; undefined when over the work limit. */
function myers<T>(a: ArrayLike<T>, b: ArrayLike<T>, lo: number, n: number, m: number): Op[] | undefined {
  // D can never exceed sqrt(MAX_ALIGNMENT_WORK) within the work limit (the stored trace alone grows as D²).
  const max = Math.min(n + m, Math.ceil(Math.sqrt(MAX_ALIGNMENT_WORK)) + 2)
  const offset = max + 1
  const v = new Int32Array(2 * max + 3)
  // trace[d] holds V over diagonals [-d-1, d+1] as it was before step d (indexed k + d + 1).
  const trace: Int32Array[] = []
  let work = 0
  let done = -1
  for (let d = 0; d <= max && done < 0; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2))
    work += 2 * d + 3
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number)) ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1
      let y = x - k
      while (x < n && y < m && a[lo + x] === b[lo + y]) {
        x++
        y++
        work++
      }
      v[offset + k] = x
      if (x >= n && y >= m) {
        done = d
        break
      }
      if (work > MAX_ALIGNMENT_WORK) return undefined
    }
  }
  if (done < 0) return undefined
  const ops: Op[] = []
  let x = n
  let y = m
  for (let d = done; d > 0; d--) {
    const prev = trace[d] as Int32Array
    const at = (k: number): number => prev[k + d + 1] as number
    const k = x - y
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1
    const prevX = at(prevK)
    const prevY = prevX - prevK
    while (x > prevX && y > prevY) {
      x--
      y--
      ops.push({ kind: 'equal', index: x })
    }
    if (x === prevX) ops.push({ kind: 'insert', index: prevY })
    else ops.push({ kind: 'delete', index: prevX })
    x = prevX
    y = prevY
  }
  while (x > 0 && y > 0) {
    x--
    y--
    ops.push({ kind: 'equal', index: x })
  }
  return ops.reverse()
}
