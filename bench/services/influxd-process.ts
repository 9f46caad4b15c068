import { startInfluxd as startTestInfluxd } from '@shadowgate/dev-helpers'

export interface BenchInflux {
  readonly url: string
  /** Runs InfluxQL and returns the first value of the first series (a count), 0 when empty. */
  count(q: string, db: string): Promise<number>
  close(): Promise<void>
}

/** Debian's influxd (InfluxDB 1.x) on free ports with its data in a temp dir (the tests' launcher), and `db` created. */
export async function startInfluxd(db: string): Promise<BenchInflux> {
  const influx = await startTestInfluxd()
  try {
    await influx.createDatabase(db)
  } catch (err) {
    await influx.close()
    throw err
  }
  return {
    url: influx.url,
    async count(q, database) {
      const series = await influx.query(q, database)
      return Number(series[0]?.values[0]?.[1] ?? 0)
    },
    close: () => influx.close(),
  }
}
