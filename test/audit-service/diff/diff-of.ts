import type { FieldDifference } from '../../../audit-service/src/verdict/verdict.js'
import { AuditRules } from '../../../audit-service/src/diff/audit-rules.js'
import { DiffBudget } from '../../../audit-service/src/diff/diff-budget.js'
import { DifferenceCollector } from '../../../audit-service/src/diff/difference-collector.js'
import { diffJson } from '../../../audit-service/src/diff/json-walker.js'
import type { JsonValue } from '../../../audit-service/src/decode/json-value.js'
import { auditRules, type RuleSpec } from '../job-fixtures.js'

export interface DiffResult {
  readonly differences: readonly FieldDifference[]
  readonly count: number
  readonly groups: readonly string[]
}

/** Runs the walker on two values under rules written like a config file. */
export function diffOf(primary: unknown, shadow: unknown, spec: RuleSpec = {}, opts: { maxStored?: number; maxNodes?: number; timeoutMs?: number } = {}): DiffResult {
  const out = new DifferenceCollector(opts.maxStored ?? 1000)
  diffJson(primary as JsonValue, shadow as JsonValue, new AuditRules(auditRules(spec)), new DiffBudget(opts.maxNodes ?? 10_000_000, opts.timeoutMs ?? 60_000), out)
  return { differences: out.differences, count: out.count, groups: out.groupKeys() }
}

/** `kind exactPath` of each difference, the compact form most assertions use. */
export function summary(r: DiffResult): string[] {
  return r.differences.map((d) => `${d.kind} ${d.exactPath}`)
}
