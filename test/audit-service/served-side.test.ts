import { parseConfig } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'
import { auditPoint } from '../../audit-service/src/influx/audit-point.js'
import { buildMismatchSample } from '../../audit-service/src/mismatch/build-mismatch-sample.js'
import { judgePair } from '../../audit-service/src/verdict/judge-pair.js'
import { judgeLimitsFrom } from '../../audit-service/src/verdict/judge-limits.js'
import { jsonResponse, pairJob } from './worker/pair-jobs.js'

// A pair served by the new side (canary, final) is still old vs new: the worker diffs it the same
// way and says which side served on the point and in the sample.
describe('the served side of an audited pair', () => {
  const limits = judgeLimitsFrom(parseConfig('primary: http://127.0.0.1:1\n').worker)

  it('tags shadowgate_audit with served, old unless the job says new', async () => {
    const job = pairJob('items', jsonResponse({ a: 1 }), jsonResponse({ a: 1, b: 2 }))
    const verdict = await judgePair({ ...job, served: 'new' }, undefined, limits)
    expect(verdict.differences.map((d) => `${d.kind} ${d.path}`)).toEqual(['added $.b'])
    const line = (served: 'old' | 'new' | undefined): string => auditPoint({ route: 'items', method: 'GET', verdict, timestampNs: '1700000000000000000', served }).toLineProtocol() ?? ''
    expect(line('new')).toMatch(/^shadowgate_audit,method=GET,outcome=mismatch,route=items,served=new /)
    expect(line(undefined)).toContain(',served=old ')
  })

  it('keeps served in the mismatch sample, with primary the old side and shadow the new side', async () => {
    const job = { ...pairJob('items', jsonResponse({ a: 1 }, { status: 200 }), jsonResponse({ a: 2 }, { status: 201 })), served: 'new' as const }
    const verdict = await judgePair(job, undefined, limits)
    const sample = buildMismatchSample(job, verdict, { headers: [], paths: [], identityHeader: undefined })
    expect(sample).toMatchObject({ served: 'new', primary: { status: 200 }, shadow: { status: 201 } })
    const { served: _drop, ...legacy } = job
    expect(buildMismatchSample(legacy, verdict, { headers: [], paths: [], identityHeader: undefined }).served).toBe('old')
  })
})
