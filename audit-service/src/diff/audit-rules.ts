import { DEFAULT_COMPARE_HEADERS, DEFAULT_NUMBER_COMPARISON, type ArrayMode, type NumberComparison, type RouteAuditConfig, type ToleranceRule } from '@shadowgate/shared'
import { PatternMatcher, type MatchState } from './pattern-matcher.js'

const ORDERED: ArrayMode = { mode: 'ordered' }

/**
 * A route's audit rules prepared for the walker: ignore, array and tolerance patterns share one
 * PatternMatcher (ignore patterns first, then array rules, then tolerance rules, each in config order,
 * so "the first rule that matches wins" is the lowest index). Header lists are lower-cased, with
 * ignoreHeaders already removed from compareHeaders.
 */
export class AuditRules {
  readonly matcher: PatternMatcher
  readonly compareHeaders: readonly string[]
  /** An ignore rule matches `$`: the body is not compared at all. */
  readonly ignoresBody: boolean
  /** How JSON numbers compare (routes[].audit.numbers): by value, or as written. */
  readonly numbers: NumberComparison
  private readonly config: RouteAuditConfig | undefined
  private readonly ignoreEnd: number
  private readonly arraysEnd: number
  private readonly end: number

  constructor(config: RouteAuditConfig | undefined) {
    this.config = config
    const ignore = config?.ignore ?? []
    const arrays = config?.arrays ?? []
    const tolerance = config?.tolerance ?? []
    this.matcher = new PatternMatcher([...ignore, ...arrays.map((a) => a.path), ...tolerance.map((t) => t.path)])
    this.ignoreEnd = ignore.length
    this.arraysEnd = this.ignoreEnd + arrays.length
    this.end = this.arraysEnd + tolerance.length
    const ignored = new Set((config?.ignoreHeaders ?? []).map((h) => h.toLowerCase()))
    const compare = (config?.compareHeaders ?? DEFAULT_COMPARE_HEADERS).map((h) => h.toLowerCase())
    this.compareHeaders = [...new Set(compare)].filter((h) => !ignored.has(h))
    this.ignoresBody = this.isIgnored(this.matcher.root)
    this.numbers = config?.numbers ?? DEFAULT_NUMBER_COMPARISON
  }

  /** An ignore pattern matches this node: it and everything below it are left out. */
  isIgnored(state: MatchState): boolean {
    const first = state.complete[0]
    return first !== undefined && first < this.ignoreEnd
  }

  /** How the array at this node is compared: the first array rule naming exactly this node, else ordered. */
  arrayMode(state: MatchState): ArrayMode {
    if (state.complete.length === 0) return ORDERED
    const i = this.matcher.firstComplete(state, this.ignoreEnd, this.arraysEnd)
    return i < 0 ? ORDERED : (this.config?.arrays[i - this.ignoreEnd]?.mode ?? ORDERED)
  }

  /** The tolerance rule naming exactly this node, if any (the walker lets it apply to everything below). */
  toleranceAt(state: MatchState): ToleranceRule | undefined {
    if (state.complete.length === 0) return undefined
    const i = this.matcher.firstComplete(state, this.arraysEnd, this.end)
    return i < 0 ? undefined : this.config?.tolerance[i - this.arraysEnd]
  }
}

const cache = new WeakMap<RouteAuditConfig, AuditRules>()
let noRules: AuditRules | undefined

/** The prepared rules of a route, built once per config object (configs are frozen and reused for every job). */
export function auditRulesFor(config: RouteAuditConfig | undefined): AuditRules {
  if (config === undefined) return (noRules ??= new AuditRules(undefined))
  let rules = cache.get(config)
  if (rules === undefined) {
    rules = new AuditRules(config)
    cache.set(config, rules)
  }
  return rules
}
