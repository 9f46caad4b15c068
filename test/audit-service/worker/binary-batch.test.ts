import { AUDIT_BATCH_JOB_NAME, auditBatchKey, packAuditBatch } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'
import { waitFor, type TestInflux } from '@shadowgate/dev-helpers'
import { enqueueBatches, jsonResponse, pairJob } from './pair-jobs.js'
import { metric, workerRig } from './worker-rig.js'

async function countBy(influx: TestInflux, db: string, where: string): Promise<number> {
  const rows = await influx.query(`SELECT count(judged) FROM shadowgate_audit WHERE ${where}`, db)
  return Number(rows[0]?.values[0]?.[1] ?? 0)
}

describe('binary batches (version 2) in the worker (real Redis, real influxd)', () => {
  const rig = workerRig(`  - { name: a, match: "/a/*" }
  - { name: b, match: "/b/*" }`)
  const setup = (prefix: string): ReturnType<typeof rig.setup> => rig.setup(prefix)

  it('judges every pair of a batch written by the gateway, then deletes its bytes', async () => {
    const { queue, start } = await setup('binok')
    const pairs = Array.from({ length: 5 }, (_, i) => pairJob(i < 3 ? 'a' : 'b', jsonResponse({ n: i }), jsonResponse({ n: i === 4 ? 'x' : i })))
    await enqueueBatches(rig.redis().url, 'binok', pairs, 5)
    const [job] = await queue.getJobs(['waiting'])
    expect(job?.data).toMatchObject({ v: 2, kind: 'batch', count: 5, routes: { a: 3, b: 2 } })
    expect(await rig.client().exists(auditBatchKey('binok', String(job?.id)))).toBe(1)
    const service = await start()
    await waitFor(async () => (await countBy(rig.influx(), 'binok', 'time > 0')) === 5, 15_000, 'five points')
    expect(await countBy(rig.influx(), 'binok', `outcome = 'mismatch'`)).toBe(1)
    await waitFor(async () => (await rig.client().keys(auditBatchKey('binok', '*'))).length === 0, 10_000, "the batch's bytes to be deleted")
    expect(await metric(service, 'shadowgate_audit_jobs_total{route="a",outcome="match",reason="json"}')).toBe(3)
  })

  it('a batch whose bytes are gone counts each of its pairs under its route as skipped/batch_missing', async () => {
    const { queue, start } = await setup('binmissing')
    const { envelope } = packAuditBatch([pairJob('a', jsonResponse(1), jsonResponse(1)), pairJob('a', jsonResponse(1), jsonResponse(1)), pairJob('b', jsonResponse(1), jsonResponse(1))])
    // What an expired or evicted key leaves: the job without its bytes.
    await queue.add(AUDIT_BATCH_JOB_NAME, envelope, { jobId: 'b-gone' })
    const service = await start()
    await waitFor(async () => (await countBy(rig.influx(), 'binmissing', `reason = 'batch_missing'`)) === 3, 15_000, 'three batch_missing points')
    expect(await countBy(rig.influx(), 'binmissing', `route = 'a'`)).toBe(2)
    expect(await countBy(rig.influx(), 'binmissing', `route = 'b'`)).toBe(1)
    expect(await metric(service, 'shadowgate_audit_jobs_total{route="a",outcome="skipped",reason="batch_missing"}')).toBe(2)
    await waitFor(async () => (await queue.getJobCounts('wait', 'active')).active === 0, 10_000, 'the job to complete')
  })

  it('corrupt bytes count each pair as skipped/invalid_job; an unknown envelope version as skipped/unsupported_version', async () => {
    const { queue, start } = await setup('binbad')
    const { envelope, bytes } = packAuditBatch([pairJob('a', jsonResponse(1), jsonResponse(1)), pairJob('b', jsonResponse(1), jsonResponse(1))])
    await rig.client().set(auditBatchKey('binbad', 'b-corrupt'), bytes.subarray(0, bytes.length - 5))
    await queue.add(AUDIT_BATCH_JOB_NAME, envelope, { jobId: 'b-corrupt' })
    await queue.add(AUDIT_BATCH_JOB_NAME, { ...envelope, v: 7 }, { jobId: 'b-future' })
    const service = await start()
    await waitFor(async () => (await countBy(rig.influx(), 'binbad', `reason = 'invalid_job'`)) === 2, 15_000, 'two invalid_job points')
    await waitFor(async () => (await countBy(rig.influx(), 'binbad', `reason = 'unsupported_version'`)) === 1, 15_000, 'one unsupported_version point')
    expect(await metric(service, 'shadowgate_audit_jobs_total{route="b",outcome="skipped",reason="invalid_job"}')).toBe(1)
    expect(await metric(service, 'shadowgate_audit_jobs_total{route="(invalid)",outcome="skipped",reason="unsupported_version"}')).toBe(1)
  })
})
