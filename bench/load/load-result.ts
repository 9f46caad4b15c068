/** What one load-generator run measured. */
export interface LoadResult {
  readonly rps: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Responses the load generator completed. */
  readonly requests: number
  /** Connect/read/write errors and timeouts. */
  readonly errors: number
  /** Responses with a status outside 2xx/3xx. */
  readonly non2xx: number
}

/** How to drive one run: always a 127.0.0.1 URL, always bounded by `durationS`. */
export interface LoadSpec {
  readonly url: string
  readonly connections: number
  readonly durationS: number
}

export type LoadGenerator = (spec: LoadSpec) => Promise<LoadResult>
