import type { AuditJob, CapturedOutcome, RouteAuditConfig } from '@shadowgate/shared'
import { auditRulesFor } from '../diff/audit-rules.js'
import { DifferenceCollector } from '../diff/difference-collector.js'
import { diffHeaders } from '../diff/header-diff.js'
import { compareBodies } from './compare-bodies.js'
import { DEFAULT_MAX_DIFFERENCES, type JudgeLimits } from './judge-limits.js'
import { mismatchFingerprint } from './mismatch-fingerprint.js'
import type { Verdict } from './verdict.js'

type Timing = Pick<Verdict, 'primaryStatus' | 'shadowStatus' | 'primaryMs' | 'shadowMs'>
type Details = { -readonly [K in 'bodyComparison' | 'notes' | 'detail']?: Verdict[K] }

function status(o: CapturedOutcome): number {
  return o.kind === 'response' ? o.status : 0
}

function noDifferences(outcome: Verdict['outcome'], reason: string, timing: Timing, extra: Partial<Verdict> = {}): Verdict {
  return { outcome, reason, differences: [], differenceCount: 0, fingerprint: undefined, ...timing, ...extra }
}

/**
 * Judges one mirrored pair and never throws: every failure, expected or not, is a verdict.
 *
 * Async because bodies are inflated on the libuv thread pool (node:zlib with maxOutputLength), so a
 * 16 MiB body does not block the worker's event loop while it decompresses; parsing and diffing are
 * synchronous but bounded (maxDecodedBytes, maxJsonDepth, a node budget and diffTimeoutMs).
 *
 * Order of decisions:
 *  1. primary produced no response → primary_error/<kind> (nothing to compare against);
 *  2. shadow timed out → shadow_timeout/timeout; other shadow failure → shadow_error/<kind>;
 *  3. status, the configured headers and the body are compared (a 5xx is compared like any status:
 *     two matching 500s are a match, 500 against 200 is a mismatch with reason `status`);
 *  4. a body that cannot be judged (truncated, too large, too deep, undecodable, over budget) →
 *     skipped/<reason>, unless status or headers already differ: then mismatch on those, with the
 *     body marked `not_compared` and a `body_<reason>` note;
 *  5. any difference → mismatch, reason the first of `status`, `headers`, `body` that differs;
 *     otherwise match, reason how the bodies were compared (`json`, `text`, `empty`, ...).
 */
export async function judgePair(job: AuditJob, rules: RouteAuditConfig | undefined, limits: JudgeLimits): Promise<Verdict> {
  const timing: Timing = {
    primaryStatus: status(job.primary),
    shadowStatus: status(job.shadow),
    primaryMs: job.primary.latencyMs,
    shadowMs: job.shadow.latencyMs,
  }
  const { primary, shadow } = job
  if (primary.kind === 'error') return noDifferences('primary_error', primary.error, timing)
  if (shadow.kind === 'error') {
    return shadow.error === 'timeout' ? noDifferences('shadow_timeout', 'timeout', timing) : noDifferences('shadow_error', shadow.error, timing)
  }
  try {
    const auditRules = auditRulesFor(rules)
    const max = limits.maxDifferences ?? DEFAULT_MAX_DIFFERENCES
    const found = new DifferenceCollector(max)
    if (primary.status !== shadow.status) found.add('changed', 'status', 'status', primary.status, shadow.status)
    const statusDiffers = found.count > 0
    diffHeaders(primary.headers, shadow.headers, auditRules.compareHeaders, found)
    const headersDiffer = found.count > (statusDiffers ? 1 : 0)

    const bodyFound = new DifferenceCollector(max)
    const body = await compareBodies(primary, shadow, auditRules, limits, bodyFound)
    const details: Details = { bodyComparison: body.comparison, ...(body.notes.length > 0 ? { notes: body.notes } : {}) }
    if (body.skip !== undefined) {
      if (found.count === 0) return noDifferences('skipped', body.skip.reason, timing, { ...details, detail: body.skip.detail })
      details.notes = [...body.notes, `body_${body.skip.reason}`]
      details.detail = body.skip.detail
    } else {
      found.absorb(bodyFound)
      if (body.detail !== undefined) details.detail = body.detail
    }
    if (found.count === 0) return noDifferences('match', body.comparison, timing, details)
    const reason = statusDiffers ? 'status' : headersDiffer ? 'headers' : 'body'
    return {
      outcome: 'mismatch',
      reason,
      differences: found.differences,
      differenceCount: found.count,
      fingerprint: mismatchFingerprint(job.route, found.groupKeys(), timing.primaryStatus, timing.shadowStatus),
      ...timing,
      ...details,
    }
  } catch (error) {
    return noDifferences('skipped', 'judge_error', timing, { detail: `unexpected failure while judging: ${(error as Error)?.message ?? String(error)}` })
  }
}
