import { InvalidSettingError } from '@shadowgate/gateway'
import type { DemoInfluxSection } from './demo-config.js'

/** The InfluxDB the demo writes to, as read from the environment, and a line saying so. */
export interface DemoInflux {
  readonly section: DemoInfluxSection
  /** e.g. `InfluxDB 1.x at http://127.0.0.1:8086, database shadowgate`. */
  readonly description: string
}

type Env = Readonly<Record<string, string | undefined>>

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim()
  return v ? v : undefined
}

/**
 * Reads INFLUX_URL and either INFLUX_TOKEN (+ INFLUX_ORG, INFLUX_BUCKET, default `shadowgate` like
 * docker-compose.yml) for InfluxDB 2.x/3.x, or INFLUX_DATABASE (+ INFLUX_USER, INFLUX_PASSWORD,
 * INFLUX_RETENTION_POLICY) for 1.x. Without INFLUX_URL the demo writes nowhere. A half-set
 * environment is an InvalidSettingError naming the variables, never a silent skip.
 */
export function demoInfluxFromEnv(env: Env): DemoInflux | undefined {
  const url = value(env, 'INFLUX_URL')
  const token = value(env, 'INFLUX_TOKEN')
  const database = value(env, 'INFLUX_DATABASE')
  if (!url) {
    if (token || database) throw new InvalidSettingError(`${token ? 'INFLUX_TOKEN' : 'INFLUX_DATABASE'} is set but INFLUX_URL is not: set INFLUX_URL too (e.g. http://127.0.0.1:8086), or unset it`)
    return undefined
  }
  if (token && database) {
    throw new InvalidSettingError('INFLUX_TOKEN and INFLUX_DATABASE are both set: use INFLUX_TOKEN (with INFLUX_ORG, INFLUX_BUCKET) for InfluxDB 2.x/3.x, or INFLUX_DATABASE for 1.x')
  }
  const common = { url, flushInterval: '1s' }
  if (database) {
    const user = value(env, 'INFLUX_USER')
    const password = value(env, 'INFLUX_PASSWORD')
    const rp = value(env, 'INFLUX_RETENTION_POLICY')
    return {
      section: { ...common, database, ...(user ? { username: user } : {}), ...(password ? { password } : {}), ...(rp ? { retentionPolicy: rp } : {}) },
      description: `InfluxDB 1.x at ${url}, database ${database}`,
    }
  }
  if (token) {
    const org = value(env, 'INFLUX_ORG') ?? 'shadowgate'
    const bucket = value(env, 'INFLUX_BUCKET') ?? 'shadowgate'
    return { section: { ...common, token, org, bucket }, description: `InfluxDB 2.x/3.x at ${url}, org ${org}, bucket ${bucket}` }
  }
  throw new InvalidSettingError('INFLUX_URL is set but neither INFLUX_TOKEN (InfluxDB 2.x/3.x, with INFLUX_ORG and INFLUX_BUCKET) nor INFLUX_DATABASE (InfluxDB 1.x) is')
}
