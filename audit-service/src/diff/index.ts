// The diff engine (`@shadowgate/audit-service/diff`): decoding a JSON body and walking two values
// into field differences under audit rules and a budget, without a worker, a queue or InfluxDB.
export { diffJson } from './json-walker.js'
export { DifferenceCollector } from './difference-collector.js'
export { DiffBudget } from './diff-budget.js'
export { AuditRules } from './audit-rules.js'
export { DIFF_KINDS } from './field-difference.js'
export type { DiffKind, FieldDifference } from './field-difference.js'
export { parseJsonBody } from '../decode/parse-json-body.js'
export { jsonType } from '../decode/json-value.js'
export type { JsonValue } from '../decode/json-value.js'
