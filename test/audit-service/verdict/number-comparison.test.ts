import { describe, expect, it } from 'vitest'
import { judgePair } from '../../../audit-service/src/verdict/judge-pair.js'
import type { Verdict } from '../../../audit-service/src/verdict/verdict.js'
import { auditRules, makeJob, response, testLimits, type RuleSpec } from '../job-fixtures.js'

const json = (text: string): ReturnType<typeof response> => response(text, { headers: { 'content-type': 'application/json' } })

async function judge(primary: string, shadow: string, spec: RuleSpec = {}): Promise<Verdict> {
  return await judgePair(makeJob(json(primary), json(shadow)), auditRules(spec), testLimits())
}

/** [primary, shadow]: equal as numbers, spelled differently. */
const SAME_VALUE: [string, string][] = [
  ['{"n":1.0}', '{"n":1}'],
  ['{"n":1e2}', '{"n":100}'],
  ['{"n":1E+2}', '{"n":100.00}'],
  ['{"n":0.10}', '{"n":0.1}'],
  ['{"n":-0}', '{"n":0}'],
  ['[1.50, 2]', '[1.5, 2e0]'],
  ['{"n":100000000000000000000}', '{"n":1e20}'],
]

describe('JSON numbers: routes[].audit.numbers', () => {
  it.each(SAME_VALUE)('value (default): %s and %s match', async (a, b) => {
    expect(await judge(a, b)).toMatchObject({ outcome: 'match', reason: 'json' })
    expect(await judge(a, b, { numbers: 'value' })).toMatchObject({ outcome: 'match' })
  })

  it('value: big integers stay exact (9007199254740993 is not 9007199254740992)', async () => {
    const v = await judge('{"id":9007199254740993}', '{"id":9007199254740992}')
    expect(v).toMatchObject({ outcome: 'mismatch', reason: 'body', differences: [{ path: '$.id', kind: 'changed', primary: '9007199254740993', shadow: '9007199254740992' }] })
    expect(await judge('{"id":9007199254740993}', '{"id":9007199254740993}')).toMatchObject({ outcome: 'match' })
  })

  it.each(SAME_VALUE)('literal: %s and %s differ, with both spellings in the difference', async (a, b) => {
    const v = await judge(a, b, { numbers: 'literal' })
    expect(v).toMatchObject({ outcome: 'mismatch', reason: 'body' })
    expect(v.differences.length).toBeGreaterThan(0)
    for (const d of v.differences) expect(d.kind).toBe('changed')
  })

  it('literal: shows the literal as written', async () => {
    const v = await judge('{"n":1.0}', '{"n":1}', { numbers: 'literal' })
    expect(v.differences).toEqual([{ path: '$.n', exactPath: '$.n', kind: 'changed', primary: '1.0', shadow: 1 }])
  })

  it('literal: the same spelling matches, and big integers stay exact', async () => {
    expect(await judge('{"a":1.0,"b":1e2,"c":[0.10],"d":9007199254740993}', '{"d":9007199254740993,"c":[0.10],"b":1e2,"a":1.0}', { numbers: 'literal' })).toMatchObject({ outcome: 'match' })
    expect(await judge('{"d":9007199254740993}', '{"d":9007199254740992}', { numbers: 'literal' })).toMatchObject({ outcome: 'mismatch' })
  })

  it('literal: a tolerance compares values (it says how far apart numbers may be)', async () => {
    expect(await judge('{"p":1.0}', '{"p":1.004}', { numbers: 'literal', tolerance: { '$.p': { absolute: 0.01 } } })).toMatchObject({ outcome: 'match' })
  })

  it('literal: unordered and keyed arrays tell spellings apart too', async () => {
    expect(await judge('[1.0, 2]', '[2, 1]', { numbers: 'literal', arrays: { $: 'unordered' } })).toMatchObject({ outcome: 'mismatch' })
    expect(await judge('[1.0, 2]', '[2, 1.0]', { numbers: 'literal', arrays: { $: 'unordered' } })).toMatchObject({ outcome: 'match' })
    expect(await judge('[1, 2]', '[2, 1.0]', { arrays: { $: 'unordered' } })).toMatchObject({ outcome: 'match' })
    const keyed = await judge('[{"id":1.0,"v":1}]', '[{"id":1,"v":1}]', { numbers: 'literal', arrays: { $: 'keyed:id' } })
    expect(keyed.differences.map((d) => d.kind).sort()).toEqual(['added', 'removed'])
    // An array of numbers keyed by a field named like the wrapper's own members is not mistaken for objects.
    expect(await judge('[1.0, {"value":1}]', '[1.0, {"value":1}]', { numbers: 'literal', arrays: { $: 'keyed:value' } })).toMatchObject({ outcome: 'match' })
  })
})
