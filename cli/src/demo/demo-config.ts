import { randomBytes } from 'node:crypto'
import { validateConfig, type ShadowgateConfig } from '@shadowgate/shared'

/** Where the two sample catalog apps listen on 127.0.0.1. */
export interface DemoPorts {
  readonly primary: number
  readonly shadow: number
}

/** What makes one demo run its own: a Redis key prefix and an admin token nobody else knows. */
export interface DemoRunIdentity {
  readonly redisPrefix: string
  readonly adminToken: string
}

/** The raw `influx` section of a config (see demoInfluxFromEnv). */
export type DemoInfluxSection = Readonly<Record<string, string>>

/** The routes whose mirror percent the demo raises, in report order. */
export const DEMO_MIRRORED_ROUTES: readonly string[] = ['products-list', 'product', 'categories', 'search', 'orders']

/** Fields both sample variants fill with fresh values on every answer: noise, declared as such. */
export const DEMO_NOISE_PATHS: readonly string[] = ['$.generatedAt', '$.requestId']

/**
 * A fresh identity: a prefix that cannot collide with another run on a shared REDIS_URL (so the
 * demo's keys can be found and deleted afterwards), and a random admin token.
 */
export function newDemoRunIdentity(): DemoRunIdentity {
  const suffix = randomBytes(3).toString('hex')
  return { redisPrefix: `shadowgate-demo-${process.pid}-${suffix}`, adminToken: randomBytes(18).toString('base64url') }
}

/**
 * The demo's embedded configuration, validated like any shadowgate.yaml. Every route starts at
 * mirror 0 %, as a new rule should in production; the demo then raises it through the admin API.
 *
 * Noise: `generatedAt` and `requestId` differ on every answer, so they are ignored everywhere.
 * Reordering: v2 lists categories by name instead of id. Order carries no meaning in that list, so the
 * demo declares it (`keyed:id`: elements are matched by id, order ignored); the categories route is
 * the one that comes out clean, which shows what a declared difference looks like next to the real
 * findings (price rounding, the renamed field, the failing search). Remove the rule to see the
 * reordering reported as `$.categories[*]...` paths.
 */
export function demoConfig(ports: DemoPorts, redisUrl: string, influx?: DemoInfluxSection, run: DemoRunIdentity = newDemoRunIdentity()): ShadowgateConfig {
  const audit = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ ignore: [...DEMO_NOISE_PATHS], ...extra })
  return validateConfig({
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0, token: run.adminToken },
    primary: `http://127.0.0.1:${ports.primary}`,
    shadow: `http://127.0.0.1:${ports.shadow}`,
    redis: { url: redisUrl, prefix: run.redisPrefix },
    proxy: { timeout: '10s', connectTimeout: '2s' },
    mirror: { timeout: '2s', maxInFlight: 500 },
    routes: [
      { name: 'products-list', match: '/products', mirror: { percent: 0 }, audit: audit() },
      { name: 'product', match: '/products/:id', mirror: { percent: 0 }, audit: audit() },
      { name: 'categories', match: '/categories', mirror: { percent: 0 }, audit: audit({ arrays: { '$.categories': 'keyed:id' } }) },
      { name: 'search', match: '/search', mirror: { percent: 0 }, audit: audit() },
      {
        name: 'orders',
        match: '/orders',
        methods: ['POST'],
        // The sample shadow keeps no state, so copying writes is harmless here; a real shadow that
        // writes needs its own datastore before POST is mirrored.
        mirror: { percent: 0, methods: ['POST'], maxBodyBytes: 16_384, headers: { set: { 'x-shadow-request': 'true' } } },
        audit: audit(),
      },
      // Health checks are never worth mirroring; the rule keeps them counted under their own name.
      { name: 'health', match: '/health', mirror: { percent: 0 } },
    ],
    worker: { concurrency: 4, shutdownTimeout: '5s', http: { host: '127.0.0.1', port: 0 } },
    ...(influx ? { influx: { ...influx } } : {}),
  })
}
