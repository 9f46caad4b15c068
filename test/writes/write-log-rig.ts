import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createGatewayService, type GatewayService } from '@shadowgate/gateway'
import { validateConfig, type ShadowgateConfig } from '@shadowgate/shared'
import { pino } from 'pino'
import { startRedis, type TestRedis } from '@shadowgate/dev-helpers'
import { startItemsApp, type ItemsApp } from './stateful-items-app.js'

/** The config of a gateway logging the writes of `/items/:id` from `old` for `next`. */
export function writeLogConfig(redisUrl: string, prefix: string, old: ItemsApp, next: ItemsApp, writes: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): ShadowgateConfig {
  return validateConfig(rawWriteLogConfig(redisUrl, prefix, old, next, writes, extra))
}

export interface RunningGateway {
  readonly service: GatewayService
  readonly traffic: string
  readonly admin: string
}

export async function startGateway(config: ShadowgateConfig): Promise<RunningGateway> {
  const service = await createGatewayService(config, { logger: pino({ level: 'silent' }), instanceId: 'gw-test' })
  const addr = await service.listen()
  return { service, traffic: addr.traffic, admin: addr.admin ?? '' }
}

/** One write through the gateway; resolves with the status the client saw. */
export async function sendWrite(base: string, method: string, id: string, body?: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${base}/items/${id}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(10_000),
  })
  await res.arrayBuffer()
  return res.status
}

export async function admin(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(10_000),
  })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

export interface RouteStatus {
  stage: string
  lagEntries: number
  counters: Record<string, number>
  open: Record<string, number>
  items: { id: string; kind: string; [k: string]: unknown }[]
}

export async function writeStatus(base: string, route = 'items'): Promise<RouteStatus> {
  const { json } = await admin(base, 'GET', `/writes/${route}`)
  return json['route'] as RouteStatus
}

/** Every item of both sides, read one by one as well as listed, must be the same. */
export async function readAllItems(app: ItemsApp): Promise<Record<string, unknown>> {
  const list = (await (await fetch(`${app.url}/items`)).json()) as { items: { id: string }[] }
  const out: Record<string, unknown> = {}
  for (const it of list.items) out[it.id] = await (await fetch(`${app.url}/items/${it.id}`)).json()
  return out
}

/** The `shadowgate` bin as operators run it (spawned processes run the built dist). */
export const SHADOWGATE_BIN = fileURLToPath(new URL('../../cli/bin/shadowgate.js', import.meta.url))

/** Writes a config file (JSON is YAML) into a fresh temp dir; the caller removes `dir`. */
export async function writeConfigFile(raw: Record<string, unknown>): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-writes-'))
  const file = join(dir, 'shadowgate.yaml')
  await writeFile(file, JSON.stringify(raw))
  return { dir, file }
}

/** The raw config of writeLogConfig, for a config file. */
export function rawWriteLogConfig(redisUrl: string, prefix: string, old: ItemsApp, next: ItemsApp, writes: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    primary: old.url,
    shadow: next.url,
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    redis: { url: redisUrl, prefix },
    audit: { enabled: false },
    routes: [{ name: 'items', match: '/items/:id', writes: { stage: 'record', ...writes } }],
    ...extra,
  }
}

/**
 * What a write-log test starts: a real redis-server, the old and the new stateful apps, gateways and
 * whatever else the test registers; close() stops everything in reverse order of start.
 */
export class WriteLogFixture {
  readonly #closers: (() => Promise<unknown> | void)[] = []

  /** Redis and the two sides. */
  async start(): Promise<{ redis: TestRedis; old: ItemsApp; next: ItemsApp }> {
    const redis = await startRedis()
    this.#closers.push(() => redis.close())
    const old = await startItemsApp()
    this.#closers.push(() => old.close())
    const next = await startItemsApp()
    this.#closers.push(() => next.close())
    return { redis, old, next }
  }

  async gateway(config: ShadowgateConfig): Promise<RunningGateway> {
    const g = await startGateway(config)
    this.#closers.push(() => g.service.close())
    return g
  }

  /** A config file in a temp dir removed at close. */
  async configFile(raw: Record<string, unknown>): Promise<string> {
    const { dir, file } = await writeConfigFile(raw)
    this.#closers.push(() => rm(dir, { recursive: true, force: true }))
    return file
  }

  /** Registers something else to close (a replayer, a process, a temp dir). */
  add<T>(thing: T, close: (thing: T) => Promise<unknown> | void): T {
    this.#closers.push(() => close(thing))
    return thing
  }

  async close(): Promise<void> {
    for (const fn of this.#closers.splice(0).reverse()) await fn()
  }
}
