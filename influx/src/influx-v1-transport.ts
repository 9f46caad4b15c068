import type { CommunicationObserver, SendOptions, Transport } from '@influxdata/influxdb-client'

export interface InfluxV1Target {
  readonly username: string | undefined
  readonly password: string | undefined
}

/**
 * Lets the client's WriteApi (batching, retries, bounded retry buffer) talk to InfluxDB 1.x.
 * The WriteApi always posts to `/api/v2/write?org=&bucket=db/rp&precision=ns`; InfluxDB 1.8 maps
 * that itself, older 1.x servers only know `/write?db=&rp=&precision=n`. This transport does the
 * same mapping on our side and adds `u`/`p` credentials, then hands the request to the client's
 * own transport, so both InfluxDB generations share one write path.
 */
export class InfluxV1Transport implements Transport {
  readonly #inner: Transport
  readonly #target: InfluxV1Target

  constructor(inner: Transport, target: InfluxV1Target) {
    this.#inner = inner
    this.#target = target
  }

  get chunkCombiner(): Transport['chunkCombiner'] {
    return this.#inner.chunkCombiner
  }

  send(path: string, body: string, options: SendOptions, callbacks?: Partial<CommunicationObserver<Uint8Array>>): void {
    this.#inner.send(this.mapPath(path), body, options, callbacks)
  }

  // The write path is the only one used; other calls pass through unchanged (mapped when they are writes).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Transport interface itself types these as any
  request(path: string, body: any, options: SendOptions, responseStarted?: Parameters<Transport['request']>[3]): Promise<any> {
    return this.#inner.request(this.mapPath(path), body, options, responseStarted)
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Transport interface itself types the body as any
  iterate(path: string, body: any, options: SendOptions): AsyncIterableIterator<Uint8Array> {
    return this.#inner.iterate(this.mapPath(path), body, options)
  }

  /** `/api/v2/write?bucket=db/rp&precision=ns` → `/write?db=db&rp=rp&precision=n&u=..&p=..`; other paths unchanged. */
  mapPath(path: string): string {
    const q = path.indexOf('?')
    const base = q < 0 ? path : path.slice(0, q)
    if (base !== '/api/v2/write') return path
    const v2 = new URLSearchParams(q < 0 ? '' : path.slice(q + 1))
    const bucket = v2.get('bucket') ?? ''
    // InfluxDB 1.8 reads `db/rp` the same way: the last slash separates the retention policy.
    const slash = bucket.lastIndexOf('/')
    const db = slash < 0 ? bucket : bucket.slice(0, slash)
    const rp = slash < 0 ? '' : bucket.slice(slash + 1)
    const v1 = new URLSearchParams({ db })
    if (rp) v1.set('rp', rp)
    v1.set('precision', V1_PRECISION[v2.get('precision') ?? 'ns'] ?? 'n')
    const consistency = v2.get('consistency')
    if (consistency) v1.set('consistency', consistency)
    if (this.#target.username !== undefined) v1.set('u', this.#target.username)
    if (this.#target.password !== undefined) v1.set('p', this.#target.password)
    return `/write?${v1.toString()}`
  }
}

const V1_PRECISION: Readonly<Record<string, string>> = { ns: 'n', us: 'u', ms: 'ms', s: 's' }
