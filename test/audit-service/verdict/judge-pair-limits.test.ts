import { describe, expect, it } from 'vitest'
import { judgePair } from '../../../audit-service/src/verdict/judge-pair.js'
import { auditRules, jsonResponse, makeJob, testLimits } from '../job-fixtures.js'

// These assert completion and correctness under hostile sizes, never speed.
describe('judgePair under hostile inputs', () => {
  it('skips 10,000-deep nesting as too_deep instead of crashing', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000)
    const v = await judgePair(makeJob(jsonResponse(deep), jsonResponse(deep)), undefined, testLimits())
    expect(v).toMatchObject({ outcome: 'skipped', reason: 'too_deep' })
  })

  it('stays a verdict when the configured depth limit exceeds what the walk can recurse', async () => {
    const deep = '{"a":'.repeat(90_000) + '1' + '}'.repeat(90_000)
    const other = '{"a":'.repeat(90_000) + '2' + '}'.repeat(90_000)
    const v = await judgePair(makeJob(jsonResponse(deep), jsonResponse(other)), undefined, testLimits({ maxJsonDepth: 100_000 }))
    expect(['too_deep', 'body']).toContain(v.reason)
  })

  it('judges a 1,000,000-element array to completion', async () => {
    const a = Array.from({ length: 1_000_000 }, (_, i) => i)
    const b = a.slice()
    b[765_432] = -1
    const v = await judgePair(makeJob(jsonResponse(a), jsonResponse(b)), undefined, testLimits())
    if (v.outcome === 'skipped') expect(v.reason).toBe('diff_budget')
    else {
      expect(v).toMatchObject({ outcome: 'mismatch', reason: 'body', differenceCount: 1 })
      expect(v.differences[0]).toMatchObject({ exactPath: '$[765432]', path: '$[*]', primary: 765432, shadow: -1 })
    }
  })

  it('stops a 1,000,000-element comparison at the node budget', async () => {
    const a = Array.from({ length: 1_000_000 }, (_, i) => i)
    const v = await judgePair(makeJob(jsonResponse(a), jsonResponse(a)), undefined, testLimits({ maxDiffNodes: 100_000 }))
    expect(v).toMatchObject({ outcome: 'skipped', reason: 'diff_budget', differenceCount: 0 })
    expect(v.detail).toMatch(/100000 nodes/)
  })

  it('stops at the time budget and says so', async () => {
    const a = Array.from({ length: 200_000 }, (_, i) => ({ id: i, v: `x${i}` }))
    const v = await judgePair(makeJob(jsonResponse(a), jsonResponse(a)), undefined, testLimits({ diffTimeoutMs: 0.001 }))
    expect(v).toMatchObject({ outcome: 'skipped', reason: 'diff_budget' })
    expect(v.detail).toMatch(/ms/)
  })

  it('judges a 10 MB body', async () => {
    const items = Array.from({ length: 110_000 }, (_, i) => ({ id: i, name: `item-${i}-${'x'.repeat(40)}`, price: i / 100, tags: ['a', 'b'] }))
    const text = JSON.stringify({ items })
    expect(text.length).toBeGreaterThan(10_000_000)
    const changed = JSON.stringify({ items: items.map((x) => (x.id === 99_999 ? { ...x, price: 0 } : x)) })
    const v = await judgePair(makeJob(jsonResponse(text, { contentEncoding: 'gzip' }), jsonResponse(changed)), undefined, testLimits())
    expect(v).toMatchObject({ outcome: 'mismatch', reason: 'body', differenceCount: 1 })
    expect(v.differences[0]).toMatchObject({ exactPath: '$.items[99999].price', primary: 999.99, shadow: 0 })
  })

  it('judges an unordered 100,000-element array with one change', async () => {
    const items = Array.from({ length: 100_000 }, (_, i) => ({ id: i, v: `x${i}` }))
    const rotated = [...items.slice(50_000), ...items.slice(0, 50_000)].map((x) => (x.id === 7 ? { ...x, v: 'changed' } : x))
    const v = await judgePair(makeJob(jsonResponse({ items }), jsonResponse({ items: rotated })), auditRules({ arrays: { '$.items': 'unordered' } }), testLimits())
    if (v.outcome === 'skipped') expect(v.reason).toBe('diff_budget')
    else expect(v.differences.map((d) => `${d.kind} ${d.exactPath}`)).toEqual(['removed $.items[7]', 'added $.items[50007]'])
  })
})
