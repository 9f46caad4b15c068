import { startInfluxd, startRedis, type TestInflux, type TestRedis } from '@shadowgate/dev-helpers'

/** A redis-server and an influxd (1.x) of the bench's own, on free loopback ports in temp dirs. */
export interface SignalProcesses {
  readonly redisUrl: string
  readonly influxUrl: string
  close(): Promise<void>
}

export async function startSignalProcesses(database: string): Promise<SignalProcesses> {
  let redis: TestRedis | undefined
  let influx: TestInflux | undefined
  const close = async (): Promise<void> => {
    await Promise.allSettled([redis?.close(), influx?.close()])
  }
  try {
    redis = await startRedis()
    influx = await startInfluxd()
    await influx.createDatabase(database)
    return { redisUrl: redis.url, influxUrl: influx.url, close }
  } catch (err) {
    await close()
    throw err
  }
}
