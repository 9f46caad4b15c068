import type { RouteAuditConfig } from '@shadowgate/shared'
import { parseJsonBody } from '../decode/parse-json-body.js'
import { auditRulesFor } from '../diff/audit-rules.js'
import { DiffBudget } from '../diff/diff-budget.js'
import { DifferenceCollector } from '../diff/difference-collector.js'
import { diffJson } from '../diff/json-walker.js'
import { DEFAULT_MAX_DIFF_NODES, type JudgeLimits } from '../verdict/judge-limits.js'

/** One side's answer to the read-back. */
export interface ReadBackAnswer {
  readonly status: number
  readonly body: Buffer
}

/** How the two read-backs compared: the differing field paths (collapsed, at most MAX_PATHS) and their count. */
export interface ReadBackComparison {
  readonly match: boolean
  readonly differences: number
  readonly paths: readonly string[]
}

const MAX_PATHS = 20

/** Parsed JSON, or undefined when the body is empty or not JSON (then compared byte for byte). */
function json(body: Buffer, limits: JudgeLimits, what: string): ReturnType<typeof parseJsonBody> | undefined {
  if (body.length === 0) return undefined
  try {
    return parseJsonBody(body.toString('utf8'), limits.maxJsonDepth, what)
  } catch {
    return undefined
  }
}

/**
 * Compares the old and the new side's answers to the same read after a replayed write, under the
 * route's audit rules (ignored paths, tolerances, array modes): a different status is a difference at
 * `status`; JSON bodies are walked by the diff engine; other bodies must be byte-equal (path `$`).
 * Throws DiffBudgetError past the worker's diff budget.
 */
export function compareReadBack(old: ReadBackAnswer, next: ReadBackAnswer, audit: RouteAuditConfig, limits: JudgeLimits): ReadBackComparison {
  const out = new DifferenceCollector(MAX_PATHS)
  if (old.status !== next.status) out.add('changed', 'status', 'status', old.status, next.status)
  const a = json(old.body, limits, 'old read-back')
  const b = json(next.body, limits, 'new read-back')
  if (a !== undefined && b !== undefined) {
    diffJson(a.value, b.value, auditRulesFor(audit), new DiffBudget(limits.maxDiffNodes ?? DEFAULT_MAX_DIFF_NODES, limits.diffTimeoutMs), out)
  } else if (!old.body.equals(next.body)) {
    out.add('changed', '$', '$', `${old.body.length} bytes`, `${next.body.length} bytes`)
  }
  const paths = [...new Set(out.differences.map((d) => d.path))]
  return { match: out.count === 0, differences: out.count, paths }
}
