import { AUDIT_BATCH_JOB_NAME, AUDIT_MAX_BATCH_PAIRS, AUDIT_QUEUE_NAME } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'
import { repairJobJson } from '../../../audit-service/src/worker/audit-worker.js'
import { waitFor } from '@shadowgate/dev-helpers'
import { jsonResponse, pairJob } from './pair-jobs.js'
import { metric, workerRig } from './worker-rig.js'

describe('poison jobs end: unparsable data and over-long batches are judged skipped/invalid_job (real Redis, real influxd)', () => {
  const rig = workerRig(`  - { name: r, match: "/r/*" }`)
  // A short stalled check: the old worker's poison job came back after every one of them.
  const setup = (prefix: string): ReturnType<typeof rig.setup> => rig.setup(prefix, { lockDurationMs: 1_000, stalledIntervalMs: 500 })

  it('a job whose stored data is not JSON completes as skipped/invalid_job instead of looping in the active list', async () => {
    const { queue, start } = await setup('poison')
    const good = pairJob('r', jsonResponse({ a: 1 }), jsonResponse({ a: 1 }), { capturedAtNs: '1700010000000000001' })
    await queue.add('pair', good, { jobId: 'poisoned' })
    // What a buggy client or anyone with Redis access can leave behind: the job hash holds bytes that are not JSON.
    await rig.client().hset(`poison:${AUDIT_QUEUE_NAME}:poisoned`, 'data', '{"v":1,"id":"poisoned", not json')
    const service = await start()
    await waitFor(async () => (await metric(service, 'shadowgate_audit_jobs_total{route="(invalid)",outcome="skipped",reason="invalid_job"}')) === 1, 10_000, 'the poisoned job to be judged')
    await waitFor(async () => (await queue.getJobCounts('active')).active === 0, 5_000, 'the poisoned job to leave the active list')
    expect(await queue.getJobCounts('wait', 'active', 'failed', 'delayed')).toEqual({ wait: 0, active: 0, failed: 0, delayed: 0 })
    await waitFor(async () => (await rig.influx().query(`SELECT count(judged) FROM shadowgate_audit WHERE reason = 'invalid_job'`, 'poison')).length > 0, 10_000, 'the invalid_job point')
  })

  it('a job whose stored options are not JSON ends the same way', async () => {
    const { queue, start } = await setup('poison2')
    await queue.add('pair', pairJob('r', jsonResponse(1), jsonResponse(1)), { jobId: 'bad-opts' })
    await rig.client().hset(`poison2:${AUDIT_QUEUE_NAME}:bad-opts`, 'opts', '{oops')
    const service = await start()
    await waitFor(async () => (await metric(service, 'shadowgate_audit_jobs_total{route="(invalid)",outcome="skipped",reason="invalid_job"}')) === 1, 10_000, 'the job with broken options to be judged')
    await waitFor(async () => (await queue.getJobCounts('active')).active === 0, 5_000, 'the job to leave the active list')
  })

  it(`a batch of more than ${AUDIT_MAX_BATCH_PAIRS} pairs is refused as one skipped/invalid_job verdict, not judged pair by pair`, async () => {
    const { queue, start } = await setup('longbatch')
    const pairs = Array.from({ length: AUDIT_MAX_BATCH_PAIRS + 1 }, () => ({}))
    await queue.add(AUDIT_BATCH_JOB_NAME, { v: 1, kind: 'batch', pairs }, { jobId: 'b-long' })
    const service = await start()
    await waitFor(async () => (await metric(service, 'shadowgate_audit_jobs_total{route="(invalid)",outcome="skipped",reason="invalid_job"}')) > 0, 10_000, 'the long batch to be refused')
    expect(await metric(service, 'shadowgate_audit_jobs_total{route="(invalid)",outcome="skipped",reason="invalid_job"}')).toBe(1)
  })

  it('invalid pairs of one batch never share a point time', async () => {
    const { queue, start } = await setup('emptypairs')
    await queue.add(AUDIT_BATCH_JOB_NAME, { v: 1, kind: 'batch', pairs: Array.from({ length: AUDIT_MAX_BATCH_PAIRS }, () => ({})) }, { jobId: 'b-empty' })
    const service = await start()
    await waitFor(async () => (await metric(service, 'shadowgate_audit_jobs_total{route="(invalid)",outcome="skipped",reason="invalid_job"}')) === AUDIT_MAX_BATCH_PAIRS, 30_000, 'every empty pair to be judged')
    await waitFor(async () => (await queue.getJobCounts('active', 'wait')).active === 0, 10_000, 'the batch job to complete')
    const rows = await rig.influx().query(`SELECT count(judged) FROM shadowgate_audit WHERE route = '(invalid)'`, 'emptypairs')
    // One point per pair: pairs that shared a time would have overwritten each other.
    expect(Number(rows[0]?.values[0]?.[1] ?? 0)).toBe(AUDIT_MAX_BATCH_PAIRS)
  })

  it('repairJobJson leaves parseable jobs alone and names each unparsable field', () => {
    const raw = { id: '1', name: 'pair', data: '{"a":1}', opts: '{}', progress: '0', delay: '0', priority: '0', timestamp: '1', failedReason: '', returnvalue: '' }
    expect(repairJobJson(raw)).toBeUndefined()
    const fixed = repairJobJson({ ...raw, data: 'nope', progress: '{' })
    expect(fixed?.progress).toBe('0')
    expect(JSON.parse(fixed?.data ?? '')).toMatchObject({ kind: 'unparsable', error: expect.stringMatching(/^job data is not JSON \(.*4 bytes: "nope"\); job progress is not JSON$/) })
  })
})
