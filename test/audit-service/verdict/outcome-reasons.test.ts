import { UPSTREAM_ERROR_KINDS } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'
import { OUTCOME_REASONS } from '../../../audit-service/src/verdict/outcome-reasons.js'
import { BODY_COMPARISONS, OUTCOMES } from '../../../audit-service/src/verdict/verdict.js'

describe('OUTCOME_REASONS', () => {
  it('lists sub-reasons for exactly the outcomes of the taxonomy', () => {
    expect(Object.keys(OUTCOME_REASONS).sort()).toEqual([...OUTCOMES].sort())
  })

  it('gives every upstream failure kind a reason, and a timeout its own outcome', () => {
    expect(OUTCOME_REASONS.primary_error).toEqual(UPSTREAM_ERROR_KINDS)
    expect(OUTCOME_REASONS.shadow_timeout).toEqual(['timeout'])
    expect([...OUTCOME_REASONS.shadow_error, 'timeout'].sort()).toEqual([...UPSTREAM_ERROR_KINDS].sort())
  })

  it('names a match by how its bodies were compared, or by the re-check or noise that explained it', () => {
    for (const r of OUTCOME_REASONS.match) expect([...BODY_COMPARISONS, 'resolved', 'noise']).toContain(r)
    expect(OUTCOME_REASONS.mismatch).toEqual(['status', 'headers', 'body'])
  })
})
