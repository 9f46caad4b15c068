import type { PathPattern, PathSegment, PatternSegment } from '@shadowgate/shared'

/**
 * Where a walk stands in every pattern at once. `codes` encode (pattern, position) as
 * `pattern * stride + position`; `complete` lists (ascending) the patterns that match exactly this
 * node. A state that is not `live` can match nothing at or below its node. States are interned by
 * the matcher, so equal states are the same object and cache their transitions.
 */
export class MatchState {
  readonly live: boolean
  /** Transitions already computed from this state, by key name (or index, or -1 for "any index"). */
  readonly next = new Map<string | number, MatchState>()

  constructor(
    readonly codes: readonly number[],
    readonly complete: readonly number[],
  ) {
    this.live = codes.length > 0
  }
}

/** The state from which no pattern can match. */
export const DEAD_STATE = new MatchState([], [])

/** Bounds of the caches, which live as long as the route's rules: documents with endless distinct keys cannot grow them without limit. */
const MAX_STATES = 4_096
const MAX_TRANSITIONS = 100_000

/**
 * Matches many path patterns incrementally while a walker descends, as an NFA: the state of a child
 * is computed from its parent's state and one segment, so the cost per node is bounded by the number
 * of live patterns, not by depth times patterns (which re-matching every full path with pathMatches
 * would cost), and after the first document it is usually one cached map lookup. Semantics are those
 * of pathMatchesExactly in the shared grammar; ancestor matches (pathMatches) follow from a walker
 * stopping or inheriting at the node where a pattern completed.
 */
export class PatternMatcher {
  readonly root: MatchState
  private readonly patterns: readonly (readonly PatternSegment[])[]
  private readonly stride: number
  /** Whether any pattern names a specific index; if not, every index steps the same way. */
  private readonly indexSensitive: boolean
  private readonly states = new Map<string, MatchState>()
  private transitions = 0

  constructor(patterns: readonly PathPattern[]) {
    this.patterns = patterns.map((p) => p.segments)
    this.stride = Math.max(1, ...this.patterns.map((s) => s.length + 1))
    this.indexSensitive = this.patterns.some((segs) => segs.some((s) => s.type === 'index'))
    const root: number[] = []
    for (let p = 0; p < this.patterns.length; p++) this.add(root, p, 0)
    this.root = this.intern(root)
  }

  /** The state of the child reached by `segment` (a key or an array index). */
  step(state: MatchState, segment: PathSegment): MatchState {
    if (!state.live) return DEAD_STATE
    const key = typeof segment === 'number' && !this.indexSensitive ? -1 : segment
    const cached = state.next.get(key)
    if (cached !== undefined) return cached
    const out: number[] = []
    for (const code of state.codes) {
      const p = Math.floor(code / this.stride)
      const pos = code - p * this.stride
      const seg = this.patterns[p]?.[pos]
      if (seg === undefined) continue
      let next = -1
      switch (seg.type) {
        case 'descend':
          // `..` consumes any segment and stays; its zero-segment branch is already in the state.
          next = pos
          break
        case 'key':
          if (segment === seg.name) next = pos + 1
          break
        case 'index':
          if (segment === seg.index) next = pos + 1
          break
        case 'anyKey':
          if (typeof segment === 'string') next = pos + 1
          break
        case 'anyIndex':
          if (typeof segment === 'number') next = pos + 1
          break
      }
      if (next >= 0) this.add(out, p, next)
    }
    const result = this.intern(out)
    if (this.transitions < MAX_TRANSITIONS) {
      state.next.set(key, result)
      this.transitions++
    }
    return result
  }

  /** Index (in constructor order) of the first pattern in [from, to) that matches exactly this node, or -1. */
  firstComplete(state: MatchState, from = 0, to = this.patterns.length): number {
    for (const p of state.complete) if (p >= from && p < to) return p
    return -1
  }

  private intern(codes: number[]): MatchState {
    if (codes.length === 0) return DEAD_STATE
    codes.sort((x, y) => x - y)
    const id = codes.join(',')
    const known = this.states.get(id)
    if (known !== undefined) return known
    const complete: number[] = []
    for (const code of codes) {
      const p = Math.floor(code / this.stride)
      if (code - p * this.stride === this.patterns[p]?.length && !complete.includes(p)) complete.push(p)
    }
    const state = new MatchState(codes, complete.sort((x, y) => x - y))
    if (this.states.size < MAX_STATES) this.states.set(id, state)
    return state
  }

  private add(out: number[], p: number, pos: number): void {
    const segs = this.patterns[p] ?? []
    for (;;) {
      const code = p * this.stride + pos
      if (!out.includes(code)) out.push(code)
      // Standing on `..` also means standing just past it (it may match zero segments).
      if (segs[pos]?.type !== 'descend') return
      pos++
    }
  }
}
