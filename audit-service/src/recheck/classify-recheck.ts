import type { RecheckInfo, Verdict } from '../verdict/verdict.js'

/** What one re-check found against the original suspect. */
export type CheckResult = 'match' | 'same' | 'other'

/**
 * A re-check matches when both replayed answers are equal; it is the `same` difference when it has
 * the suspect's fingerprint (route, set of differing paths and kinds, status pair). Anything else is
 * `other`, including a re-check whose primary answered another status than at capture: it did not
 * reproduce the request (missing credentials give two equal 401s, which prove nothing).
 */
export function compareRecheck(original: Verdict, check: Verdict): CheckResult {
  if (check.primaryStatus !== original.primaryStatus) return 'other'
  if (check.outcome === 'match') return 'match'
  if (check.outcome === 'mismatch' && check.fingerprint !== undefined && check.fingerprint === original.fingerprint) return 'same'
  return 'other'
}

/** The verdict recorded for a suspect once its re-checks are done. */
export function finalVerdict(original: Verdict, recheck: RecheckInfo): Verdict {
  if (recheck.state === 'resolved') {
    return { ...original, outcome: 'match', reason: 'resolved', differences: [], differenceCount: 0, fingerprint: undefined, recheck }
  }
  return { ...original, recheck }
}
