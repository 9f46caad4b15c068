import { createHash } from 'node:crypto'
import type { CapturedResponse } from '@shadowgate/shared'
import { headerValue } from '../decode/content-decoding.js'
import { decodeBody, type DecodedBody } from '../decode/decoded-body.js'
import { parseJsonBody, type ParsedJson } from '../decode/parse-json-body.js'
import { decodeText, looksLikeText } from '../decode/text-decoding.js'
import { DecodeError, DiffBudgetError } from '../errors.js'
import type { AuditRules } from '../diff/audit-rules.js'
import { DiffBudget } from '../diff/diff-budget.js'
import type { DifferenceCollector } from '../diff/difference-collector.js'
import { diffJson } from '../diff/json-walker.js'
import { diffText } from '../diff/text-difference.js'
import { DEFAULT_MAX_DIFF_NODES, type JudgeLimits } from './judge-limits.js'
import type { SkipReason } from './outcome-reasons.js'
import type { BodyComparison } from './verdict.js'

/** How the bodies of one pair compared; differences went to the collector. */
export interface BodyJudgement {
  readonly comparison: BodyComparison
  readonly notes: readonly string[]
  /** Set when the bodies could not be judged; the collector then holds nothing meaningful. */
  readonly skip?: { readonly reason: SkipReason; readonly detail: string }
  readonly detail?: string
}

type Side = 'primary' | 'shadow'

const PREVIEW_CHARS = 160

function skipped(reason: SkipReason, detail: string, notes: readonly string[] = []): BodyJudgement {
  return { comparison: 'not_compared', notes, skip: { reason, detail } }
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')} (${bytes.length} bytes)`
}

function textPreview(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text
}

/** A body present on one side only: `added` when only the shadow has one, `removed` when only the primary. */
function oneSided(out: DifferenceCollector, primaryEmpty: boolean, preview: string): void {
  out.add(primaryEmpty ? 'added' : 'removed', '$', '$', primaryEmpty ? undefined : preview, primaryEmpty ? preview : undefined)
}

function compareBinary(a: Buffer, b: Buffer, out: DifferenceCollector, notes: readonly string[]): BodyJudgement {
  if (a.length === 0 || b.length === 0) oneSided(out, a.length === 0, sha256(a.length === 0 ? b : a))
  else if (!a.equals(b)) out.add('changed', '$', '$', sha256(a), sha256(b))
  return { comparison: 'binary', notes }
}

function compareText(a: string, b: string, out: DifferenceCollector): void {
  if (a === '' || b === '') oneSided(out, a === '', textPreview(a === '' ? b : a))
  else diffText(a, b, out)
}

/** JSON is expected when declared, or when an undeclared body starts like a JSON object or array. */
function wantsJson(body: DecodedBody, text: string): boolean {
  if (body.media.kind === 'json') return true
  if (body.media.kind !== 'unknown') return false
  const first = /\S/.exec(text.slice(0, 256))?.[0]
  return first === '{' || first === '['
}

/**
 * Whether the shadow body is the primary's own (a SAME_AS_PRIMARY reference resolved by parsing)
 * and is read under the same content-encoding and content-type: it then decodes and parses to the
 * same value, so that work is done once and the bodies are equal without walking them.
 */
function sameBody(primary: CapturedResponse, shadow: CapturedResponse): boolean {
  return (
    shadow.body === primary.body &&
    headerValue(primary.headers, 'content-encoding') === headerValue(shadow.headers, 'content-encoding') &&
    headerValue(primary.headers, 'content-type') === headerValue(shadow.headers, 'content-type')
  )
}

/**
 * Decodes and compares the bodies of two responses:
 *  - an ignore rule on `$` → `ignored`; a body that cannot be decoded → a skip (truncated, too large, ...);
 *  - both empty → `empty`;
 *  - declared binary on either side, or bytes not valid in their charset → `binary` (SHA-256 compare);
 *  - JSON declared (or sniffed for undeclared types) → parsed and diffed field by field (`json`); if a
 *    side does not parse (NaN, Infinity, cut-off text, HTML error page) → both compared as text (`invalid_json`);
 *  - anything else → exact text compare (`text`).
 * A shadow body that is the primary's own (see sameBody) goes the same way with half the work, and
 * as JSON it is equal without a walk, whatever its size.
 * Throws only for unexpected defects; every expected failure is a skip or a note.
 */
export async function compareBodies(primary: CapturedResponse, shadow: CapturedResponse, rules: AuditRules, limits: JudgeLimits, out: DifferenceCollector): Promise<BodyJudgement> {
  if (rules.ignoresBody) return { comparison: 'ignored', notes: [] }
  const same = sameBody(primary, shadow)
  const primaryDecoded = decodeBody(primary, limits.maxDecodedBytes, 'primary body')
  const decoded = await Promise.allSettled([primaryDecoded, same ? primaryDecoded : decodeBody(shadow, limits.maxDecodedBytes, 'shadow body')])
  const bodies: DecodedBody[] = []
  for (const r of decoded) {
    if (r.status === 'fulfilled') bodies.push(r.value)
    else if (r.reason instanceof DecodeError) return skipped(r.reason.reason as SkipReason, r.reason.message)
    else throw r.reason
  }
  const [a, b] = bodies as [DecodedBody, DecodedBody]
  const notes: string[] = []
  if (a.bytes.length === 0 && b.bytes.length === 0) return { comparison: 'empty', notes }
  if (a.media.kind === 'binary' || b.media.kind === 'binary') return compareBinary(a.bytes, b.bytes, out, notes)

  const text = (body: DecodedBody, side: Side): string | undefined => {
    if (body.bytes.length === 0) return ''
    const t = decodeText(body.bytes, body.media.charset)
    if (!t.ok) {
      notes.push(`${side}_${t.reason}`)
      return undefined
    }
    if (t.unknownCharset) notes.push(`${side}_unknown_charset`)
    // An undeclared body full of control bytes is binary even if it happens to be valid UTF-8.
    return body.media.kind === 'unknown' && !looksLikeText(t.text) ? undefined : t.text
  }
  const ta = text(a, 'primary')
  const tb = text(b, 'shadow')
  if (ta === undefined || tb === undefined) return compareBinary(a.bytes, b.bytes, out, notes)
  if (!wantsJson(a, ta) && !wantsJson(b, tb)) {
    compareText(ta, tb, out)
    return { comparison: 'text', notes }
  }

  let invalid: string | undefined
  const parse = (t: string, side: Side): ParsedJson | undefined => {
    if (t === '') return undefined
    try {
      const parsed = parseJsonBody(t, limits.maxJsonDepth, `${side} body`, { literals: rules.numbers === 'literal' })
      if (parsed.duplicateKeys) notes.push(`${side}_duplicate_keys`)
      return parsed
    } catch (error) {
      if (!(error instanceof DecodeError) || error.reason !== 'invalid_json') throw error
      notes.push(`${side}_invalid_json`)
      invalid = invalid === undefined ? error.message : `${invalid}; ${error.message}`
      return undefined
    }
  }
  let pa: ParsedJson | undefined
  let pb: ParsedJson | undefined
  try {
    pa = parse(ta, 'primary')
    // The same text parses the same way: only its notes are the shadow's too (an invalid one is parsed again for its message).
    if (same && invalid === undefined) {
      pb = pa
      if (pa?.duplicateKeys === true) notes.push('shadow_duplicate_keys')
    } else pb = parse(tb, 'shadow')
  } catch (error) {
    if (error instanceof DecodeError) return skipped(error.reason as SkipReason, error.message, notes)
    throw error
  }
  if (invalid !== undefined) {
    compareText(ta, tb, out)
    return { comparison: 'invalid_json', notes, detail: `compared as text: ${invalid}` }
  }
  // Equal by construction, whatever the rules and however large: nothing to walk.
  if (same && pb === pa) return { comparison: 'json', notes }
  const budget = new DiffBudget(limits.maxDiffNodes ?? DEFAULT_MAX_DIFF_NODES, limits.diffTimeoutMs)
  try {
    diffJson(pa?.value, pb?.value, rules, budget, out)
  } catch (error) {
    if (error instanceof DiffBudgetError) return skipped('diff_budget', `${error.message} after ${budget.nodes} nodes`, notes)
    // The walker recurses once per nesting level; a depth limit configured beyond what the stack holds ends here.
    if (error instanceof RangeError && /call stack/i.test(error.message)) return skipped('too_deep', 'JSON nesting exceeds what the comparison can walk', notes)
    throw error
  }
  return { comparison: 'json', notes }
}
