import type { PathSegment, ToleranceRule } from '@shadowgate/shared'
import { JsonNumber, jsonType, type JsonValue } from '../decode/json-value.js'
import type { AuditRules } from './audit-rules.js'
import { canonicalKey } from './canonical-key.js'
import type { DiffBudget } from './diff-budget.js'
import type { DifferenceCollector } from './difference-collector.js'
import { DEAD_STATE, type MatchState } from './pattern-matcher.js'
import { numbersEqual } from './numeric-tolerance.js'
import { valuesEqual } from './values-equal.js'
import { alignSequences } from './sequence-alignment.js'

type JsonArray = JsonValue[]
type JsonObject = { [key: string]: JsonValue }

/**
 * Structural diff of two parsed JSON documents, in one pass, under the route's rules:
 *  - ignore patterns drop a node and everything below it;
 *  - a tolerance rule applies to the numbers at its node and below (the nearest rule wins);
 *  - arrays are ordered by default and aligned like a line diff (see walkOrdered), so an insertion
 *    is one `added` instead of a cascade of `changed`; elements that differ in place are paired;
 *    `unordered` compares multisets (unmatched elements are `removed`/`added` at `[*]`);
 *    `keyed:<field>` pairs elements by that field, diffs the pairs, reports the rest as removed/added
 *    (elements without the field are matched as a multiset among themselves).
 * Object key order never matters. A value `undefined` on one side stands for an empty body.
 * Every node visited ticks the budget, which throws DiffBudgetError when exhausted.
 * Exact paths of paired elements use the primary's index; added elements use the shadow's.
 */
export function diffJson(primary: JsonValue | undefined, shadow: JsonValue | undefined, rules: AuditRules, budget: DiffBudget, out: DifferenceCollector): void {
  if (rules.ignoresBody) return
  if (primary === undefined && shadow === undefined) return
  if (primary === undefined || shadow === undefined) {
    out.addAt(primary === undefined ? 'added' : 'removed', [], primary, shadow)
    return
  }
  const root = rules.matcher.root
  new JsonWalker(rules, budget, out).walk(primary, shadow, root, rules.toleranceAt(root))
}

class JsonWalker {
  private readonly path: PathSegment[] = []

  constructor(
    private readonly rules: AuditRules,
    private readonly budget: DiffBudget,
    private readonly out: DifferenceCollector,
  ) {}

  walk(a: JsonValue, b: JsonValue, state: MatchState, tol: ToleranceRule | undefined): void {
    this.budget.tick()
    if (a === b) return
    const ta = jsonType(a)
    const tb = jsonType(b)
    if (ta !== tb) this.out.addAt('type', this.path, a, b)
    else if (ta === 'object') this.walkObject(a as JsonObject, b as JsonObject, state, tol)
    else if (ta === 'array') this.walkArray(a as JsonArray, b as JsonArray, state, tol)
    else if (ta === 'number') {
      if (!numbersEqual(a as number | bigint | JsonNumber, b as number | bigint | JsonNumber, tol)) this.out.addAt('changed', this.path, a, b)
    } else this.out.addAt('changed', this.path, a, b)
  }

  /** Child state, or undefined when the child is ignored. */
  private child(state: MatchState, seg: PathSegment): MatchState | undefined {
    if (!state.live) return state
    const s = this.rules.matcher.step(state, seg)
    return this.rules.isIgnored(s) ? undefined : s
  }

  private childTolerance(state: MatchState, tol: ToleranceRule | undefined): ToleranceRule | undefined {
    return this.rules.toleranceAt(state) ?? tol
  }

  private walkObject(a: JsonObject, b: JsonObject, state: MatchState, tol: ToleranceRule | undefined): void {
    for (const k of Object.keys(a)) {
      const s = this.child(state, k)
      if (s === undefined) continue
      this.path.push(k)
      if (Object.hasOwn(b, k)) this.walk(a[k] as JsonValue, b[k] as JsonValue, s, this.childTolerance(s, tol))
      else {
        this.budget.tick()
        this.out.addAt('removed', this.path, a[k], undefined)
      }
      this.path.pop()
    }
    for (const k of Object.keys(b)) {
      if (Object.hasOwn(a, k)) continue
      if (this.child(state, k) === undefined) continue
      this.budget.tick()
      this.path.push(k)
      this.out.addAt('added', this.path, undefined, b[k])
      this.path.pop()
    }
  }

  private walkArray(a: JsonArray, b: JsonArray, state: MatchState, tol: ToleranceRule | undefined): void {
    const mode = this.rules.arrayMode(state)
    if (mode.mode === 'unordered') this.walkUnordered(a, b, range(a.length), range(b.length), state)
    else if (mode.mode === 'keyed') this.walkKeyed(a, b, mode.key, state, tol)
    else this.walkOrdered(a, b, state, tol)
  }

  /** Compares a[i] with b[j] at index i (the primary's position). */
  private pair(a: JsonArray, b: JsonArray, i: number, j: number, state: MatchState, tol: ToleranceRule | undefined): void {
    const s = this.child(state, i)
    if (s === undefined) return
    this.path.push(i)
    this.walk(a[i] as JsonValue, b[j] as JsonValue, s, this.childTolerance(s, tol))
    this.path.pop()
  }

  private single(kind: 'added' | 'removed', arr: JsonArray, index: number, state: MatchState): void {
    if (this.child(state, index) === undefined) return
    this.budget.tick()
    this.path.push(index)
    const v = arr[index]
    this.out.addAt(kind, this.path, kind === 'removed' ? v : undefined, kind === 'added' ? v : undefined)
    this.path.pop()
  }

  private key(v: JsonValue, index: number, state: MatchState): string | undefined {
    const s = this.child(state, index)
    return s === undefined ? undefined : canonicalKey(v, s, this.rules, this.budget)
  }

  /**
   * Ordered arrays: elements identical by reference or primitive value at both ends are skipped
   * for free (equal arrays, or one change inside a long list of numbers). For equal lengths, the
   * pairs that differ are found without building anything; if at most half differ they are reported
   * in place. Otherwise (different lengths, or most pairs differ) the rest is aligned on canonical
   * keys, so a shifted page (one item new at the top, one gone at the bottom) is one added and one
   * removed element rather than every field of every item changed.
   */
  private walkOrdered(a: JsonArray, b: JsonArray, state: MatchState, tol: ToleranceRule | undefined): void {
    let lo = 0
    const n = Math.min(a.length, b.length)
    while (lo < n && a[lo] === b[lo]) lo++
    let aHi = a.length
    let bHi = b.length
    while (aHi > lo && bHi > lo && a[aHi - 1] === b[bHi - 1]) {
      aHi--
      bHi--
    }
    // The skipped pairs were compared too: they count against the node budget like any other.
    this.budget.tick(lo + (a.length - aHi))
    const span = aHi - lo
    if (span !== bHi - lo) {
      // Equal runs at both ends need no keys; an insertion or removal at either end ends here.
      const same = (i: number, j: number): boolean => {
        const s = this.child(state, i)
        return s === undefined || valuesEqual(a[i] as JsonValue, b[j] as JsonValue, s, this.childTolerance(s, tol), this.rules, this.budget)
      }
      while (lo < aHi && lo < bHi && same(lo, lo)) lo++
      while (aHi > lo && bHi > lo && same(aHi - 1, bHi - 1)) {
        aHi--
        bHi--
      }
      if (aHi === lo || bHi === lo) {
        for (let i = lo; i < aHi; i++) this.single('removed', a, i, state)
        for (let j = lo; j < bHi; j++) this.single('added', b, j, state)
        return
      }
    } else {
      const differing: number[] = []
      for (let i = lo; i < aHi; i++) {
        const s = this.child(state, i)
        if (s !== undefined && !valuesEqual(a[i] as JsonValue, b[i] as JsonValue, s, this.childTolerance(s, tol), this.rules, this.budget)) differing.push(i)
      }
      // Few elements differ in place: edits, reported where they are. Most differ: perhaps a shift, so align.
      if (differing.length <= 1 || differing.length * 2 <= span) {
        for (const i of differing) this.pair(a, b, i, i, state, tol)
        return
      }
    }
    const keys = (arr: JsonArray, hi: number): string[] => {
      const out: string[] = []
      for (let i = lo; i < hi; i++) out.push(this.alignmentKey(arr[i] as JsonValue, i, state))
      return out
    }
    alignSequences(keys(a, aHi), keys(b, bHi), {
      pair: (i, j) => this.pair(a, b, lo + i, lo + j, state, tol),
      removed: (i) => this.single('removed', a, lo + i, state),
      added: (j) => this.single('added', b, lo + j, state),
    })
  }

  /**
   * Key for aligning ordered elements: equal keys must mean equal elements (they are skipped), but
   * unequal keys for equal elements only cost a comparison (they get paired and walked, finding
   * nothing). So where no rule applies below the element, native JSON.stringify serves: key order
   * counts there, which is merely conservative. Ignored elements all share one key: they align with
   * anything ignored and are never reported.
   */
  private alignmentKey(v: JsonValue, index: number, state: MatchState): string {
    const s = this.child(state, index)
    if (s === undefined) return '~'
    if (!s.live) {
      try {
        this.budget.tick()
        return JSON.stringify(v)
      } catch {
        // A bigint inside: JSON.stringify cannot write it; the canonical form can.
      }
    }
    return canonicalKey(v, s, this.rules, this.budget)
  }

  /** Multiset comparison of a[onlyA] against b[onlyB]: unmatched elements are removed/added. */
  private walkUnordered(a: JsonArray, b: JsonArray, onlyA: readonly number[], onlyB: readonly number[], state: MatchState): void {
    const pending = new Map<string, IndexQueue>()
    for (const i of onlyA) {
      const k = this.key(a[i] as JsonValue, i, state)
      if (k !== undefined) enqueue(pending, k, i)
    }
    const added: number[] = []
    for (const j of onlyB) {
      const k = this.key(b[j] as JsonValue, j, state)
      if (k === undefined) continue
      if (dequeue(pending, k) === undefined) added.push(j)
    }
    const removed = leftovers(pending)
    for (const i of removed) this.single('removed', a, i, state)
    for (const j of added) this.single('added', b, j, state)
  }

  private walkKeyed(a: JsonArray, b: JsonArray, field: string, state: MatchState, tol: ToleranceRule | undefined): void {
    const idOf = (v: JsonValue | undefined): string | undefined => {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof JsonNumber || !Object.hasOwn(v, field)) return undefined
      return canonicalKey(v[field] as JsonValue, DEAD_STATE, this.rules, this.budget)
    }
    const inB = new Map<string, IndexQueue>()
    const keylessB: number[] = []
    for (let j = 0; j < b.length; j++) {
      const id = idOf(b[j])
      if (id === undefined) keylessB.push(j)
      else enqueue(inB, id, j)
    }
    const keylessA: number[] = []
    const removed: number[] = []
    for (let i = 0; i < a.length; i++) {
      const id = idOf(a[i])
      if (id === undefined) {
        keylessA.push(i)
        continue
      }
      const j = dequeue(inB, id)
      if (j === undefined) removed.push(i)
      else this.pair(a, b, i, j, state, tol)
    }
    for (const i of removed) this.single('removed', a, i, state)
    for (const j of leftovers(inB)) this.single('added', b, j, state)
    if (keylessA.length > 0 || keylessB.length > 0) this.walkUnordered(a, b, keylessA, keylessB, state)
  }
}

/** Indices waiting for a partner with the same key, consumed in order without shifting arrays. */
interface IndexQueue {
  readonly items: number[]
  next: number
}

function enqueue(queues: Map<string, IndexQueue>, key: string, index: number): void {
  const q = queues.get(key)
  if (q === undefined) queues.set(key, { items: [index], next: 0 })
  else q.items.push(index)
}

function dequeue(queues: Map<string, IndexQueue>, key: string): number | undefined {
  const q = queues.get(key)
  if (q === undefined || q.next >= q.items.length) return undefined
  return q.items[q.next++]
}

/** Every index never dequeued, ascending. */
function leftovers(queues: Map<string, IndexQueue>): number[] {
  const out: number[] = []
  for (const q of queues.values()) for (let t = q.next; t < q.items.length; t++) out.push(q.items[t] as number)
  return out.sort((x, y) => x - y)
}

function range(n: number): number[] {
  const out = new Array<number>(n)
  for (let i = 0; i < n; i++) out[i] = i
  return out
}
