import { describe, expect, it } from 'vitest'
import { AUDIT_JOB_VERSION, JobSchemaError, SAME_AS_PRIMARY, checkAuditJob, isAuditBatch, parseAuditBatch, parseAuditJob } from '@shadowgate/shared'

export function validJob(): Record<string, unknown> {
  return {
    v: AUDIT_JOB_VERSION,
    id: 'c0ffee',
    instance: 'gw-1',
    capturedAtNs: '1700000000000000123',
    route: 'products',
    request: { method: 'GET', path: '/products/1', query: 'a=1', headers: { accept: 'application/json' }, bodySize: 0, bodySha256: 'e3b0', caller: '127.0.0.1' },
    primary: { kind: 'response', status: 200, headers: { 'content-type': 'application/json', 'x-a': ['1', '2'] }, body: { encoding: 'utf8', data: '{}', size: 2, truncated: false }, latencyMs: 3 },
    shadow: { kind: 'error', error: 'timeout', message: 'shadow timed out', latencyMs: 5000 },
  }
}

describe('parseAuditJob', () => {
  it('accepts a valid job', () => {
    expect(parseAuditJob(validJob()).route).toBe('products')
  })

  it('accepts a job with or without the optional rules fingerprint (older gateways send none)', () => {
    expect(parseAuditJob({ ...validJob(), rulesFingerprint: '0123456789abcdef' }).rulesFingerprint).toBe('0123456789abcdef')
    expect(parseAuditJob(validJob()).rulesFingerprint).toBeUndefined()
  })

  it.each([
    [(j: Record<string, unknown>) => (j['v'] = 2), 'job.v must be 1'],
    [(j: Record<string, unknown>) => delete j['route'], 'job.route must be a string'],
    [(j: Record<string, unknown>) => (j['capturedAtNs'] = '12ab'), 'job.capturedAtNs must be a decimal string'],
    [(j: Record<string, unknown>) => ((j['primary'] as Record<string, unknown>)['status'] = 42), 'job.primary.status must be an HTTP status code'],
    [(j: Record<string, unknown>) => ((j['shadow'] as Record<string, unknown>)['error'] = 'boom'), 'job.shadow.error must be one of'],
    [(j: Record<string, unknown>) => ((j['primary'] as Record<string, unknown>)['body'] = { encoding: 'hex', data: '', size: 0, truncated: false }), 'job.primary.body.encoding must be one of'],
    [(j: Record<string, unknown>) => ((j['request'] as Record<string, unknown>)['headers'] = { a: 1 }), 'job.request.headers.a must be a string'],
    [(j: Record<string, unknown>) => (j['rulesFingerprint'] = 'not-a-hash'), 'job.rulesFingerprint must be 16 lower-case hex digits'],
    [(j: Record<string, unknown>) => (j['rulesFingerprint'] = 7), 'job.rulesFingerprint must be 16 lower-case hex digits'],
    [(j: Record<string, unknown>) => (j['served'] = 'both'), 'job.served must be "old" or "new" when present'],
  ])('rejects a broken job (%#) naming the field', (mutate, message) => {
    const job = validJob()
    mutate(job)
    expect(() => parseAuditJob(job)).toThrow(JobSchemaError)
    expect(() => parseAuditJob(job)).toThrow(message)
  })

  it('takes an optional served side, old or new (absent: a job from before stages)', () => {
    expect(parseAuditJob({ ...validJob(), served: 'new' }).served).toBe('new')
    expect(parseAuditJob({ ...validJob(), served: 'old' }).served).toBe('old')
    expect(parseAuditJob(validJob()).served).toBeUndefined()
  })

  it('rejects non-objects', () => {
    expect(() => parseAuditJob('{}')).toThrow('job must be an object')
  })
})

describe('a shadow body the same as the primary body', () => {
  const reference = { encoding: SAME_AS_PRIMARY, data: '', size: 2, truncated: false }
  const withReference = (): Record<string, unknown> => ({
    ...validJob(),
    shadow: { kind: 'response', status: 200, headers: { 'content-type': 'application/json' }, body: reference, latencyMs: 4 },
  })

  it('is resolved by parseAuditJob into the primary body, leaving the rest of the shadow side alone', () => {
    const job = parseAuditJob(withReference())
    if (job.shadow.kind !== 'response' || job.primary.kind !== 'response') throw new Error('expected responses')
    expect(job.shadow.body).toEqual({ encoding: 'utf8', data: '{}', size: 2, truncated: false })
    expect(job.shadow.latencyMs).toBe(4)
    expect(job.shadow.headers).toEqual({ 'content-type': 'application/json' })
  })

  it('is checked but left as it is by checkAuditJob (what the gateway sends)', () => {
    const job = withReference()
    checkAuditJob(job)
    expect((job['shadow'] as { body: unknown }).body).toEqual(reference)
  })

  it('is refused on the primary side and when the primary has no response to refer to', () => {
    const onPrimary = validJob()
    ;(onPrimary['primary'] as Record<string, unknown>)['body'] = reference
    expect(() => parseAuditJob(onPrimary)).toThrow('job.primary.body.encoding may be same-as-primary only on the shadow')
    const noPrimary = withReference()
    noPrimary['primary'] = { kind: 'error', error: 'reset', message: 'socket hang up', latencyMs: 1 }
    expect(() => parseAuditJob(noPrimary)).toThrow('job.shadow.body.encoding may be same-as-primary only on the shadow')
  })
})

describe('parseAuditBatch', () => {
  it('accepts a batch of valid pairs and tells a batch from a single job', () => {
    const batch = { v: 1, kind: 'batch', pairs: [validJob(), { ...validJob(), id: 'second' }] }
    expect(parseAuditBatch(batch).map((p) => p.id)).toEqual(['c0ffee', 'second'])
    expect(isAuditBatch(batch)).toBe(true)
    expect(isAuditBatch(validJob())).toBe(false)
  })

  it('names the pair and field that is wrong', () => {
    const broken = validJob()
    delete broken['route']
    const batch = { v: 1, kind: 'batch', pairs: [validJob(), validJob(), validJob(), broken] }
    expect(() => parseAuditBatch(batch)).toThrow(JobSchemaError)
    expect(() => parseAuditBatch(batch)).toThrow('batch.pairs[3].route must be a string')
  })

  it.each([
    [null, 'batch must be an object'],
    [{ v: 3, kind: 'batch', pairs: [] }, 'batch.v must be 1 or 2 (got 3)'],
    [{ v: 2, kind: 'batch', pairs: [] }, 'batch.format must be one of "sg-pairs-2", "sg-pairs-1"'],
    [{ v: 1, kind: 'other', pairs: [] }, 'batch.kind must be "batch"'],
    [{ v: 1, kind: 'batch', pairs: {} }, 'batch.pairs must be an array'],
    [{ v: 1, kind: 'batch', pairs: Array.from({ length: 1_001 }, () => ({})) }, 'batch.pairs must hold at most 1000 pairs (got 1001)'],
  ])('rejects a broken envelope (%#)', (data, message) => {
    expect(() => parseAuditBatch(data)).toThrow(message)
  })
})
