import { afterAll, describe, expect, it } from 'vitest'
import { waitFor, startInfluxd, type TestInflux, startRedis, type TestRedis, startVictoriaMetrics, type TestVictoriaMetrics } from '@shadowgate/dev-helpers'

// The suite's own harness: if these fail, every end-to-end test would fail for the wrong reason.
describe('test harness', () => {
  let redis: TestRedis | undefined
  let influx: TestInflux | undefined
  let vm: TestVictoriaMetrics | undefined
  afterAll(async () => {
    await redis?.close()
    await influx?.close()
    await vm?.close()
  })

  it('starts, stops and restarts a real redis-server', async () => {
    redis = await startRedis()
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
    await redis.stop()
    await redis.start()
  })

  it('starts a real influxd that answers InfluxQL', async () => {
    influx = await startInfluxd()
    await influx.createDatabase('probe')
    const res = await fetch(`${influx.url}/write?db=probe`, { method: 'POST', body: 'm,t=a f=1i 1000000000' })
    expect(res.status).toBe(204)
    const series = await influx.query('SELECT f FROM m', 'probe')
    expect(series[0]?.values).toEqual([[1000000000, 1]])
  })

  it('starts a real victoria-metrics that accepts the InfluxDB v2 write API', async () => {
    vm = await startVictoriaMetrics()
    const res = await fetch(`${vm.url}/api/v2/write?bucket=b&org=o`, { method: 'POST', body: `m,t=a f=1i ${Date.now()}000000` })
    expect(res.status).toBe(204)
    let rows: Awaited<ReturnType<TestVictoriaMetrics['promQuery']>> = []
    await waitFor(async () => (rows = await vm!.promQuery('m_f')).length > 0, 15_000, 'the point to be searchable')
    expect(rows[0]?.metric['t']).toBe('a')
  })
})
