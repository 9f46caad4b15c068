import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { NO_ANSWER_STATUS, type RouteWritesConfig, type ShadowgateConfig, type UpstreamErrorKind } from '@shadowgate/shared'
import { pino, type Logger } from 'pino'
import type { PrimaryObserver } from '../proxy/primary-observer.js'
import type { ForwardWrite, WriteHook } from '../proxy/write-hook.js'
import type { WriteLogAppender } from './write-log-appender.js'
import { WritePartitioner } from './write-partition.js'
import type { WriteStageStore } from './write-stage-store.js'

interface LoggedRoute {
  readonly config: RouteWritesConfig
  readonly methods: ReadonlySet<string>
  readonly headers: readonly string[]
  readonly partitioner: WritePartitioner
}

export interface WriteRecorderOptions {
  readonly config: ShadowgateConfig
  readonly stages: WriteStageStore
  readonly appender: WriteLogAppender
  readonly instance: string
  readonly logger?: Logger
}

/**
 * Reads a body up to `limit` bytes; `rest` is undefined when the whole body fit. Listeners rather
 * than an async iterator: this runs for every logged write.
 */
function readUpTo(body: Readable, limit: number): Promise<{ head: Buffer[]; size: number; rest: Readable | undefined }> {
  return new Promise((resolve, reject) => {
    const head: Buffer[] = []
    let size = 0
    const done = (): void => {
      body.off('data', onData)
      body.off('end', onEnd)
      body.off('error', onError)
      body.off('close', onClose)
    }
    const onData = (chunk: Buffer): void => {
      head.push(chunk)
      size += chunk.length
      if (size <= limit) return
      done()
      // Not destroyed: the prefix already read, then what the client still sends, go to the upstream as one stream.
      body.pause()
      const replay = head.slice()
      const rest = Readable.from((async function* () {
        yield* replay
        yield* body
      })())
      resolve({ head, size, rest })
    }
    const onEnd = (): void => {
      done()
      resolve({ head, size, rest: undefined })
    }
    const onError = (err: Error): void => {
      done()
      reject(err)
    }
    // Closed before its end: the client went away mid-body.
    const onClose = (): void => onError(new Error('request body closed before its end'))
    body.on('data', onData)
    body.once('end', onEnd)
    body.once('error', onError)
    body.once('close', onClose)
  })
}

/** Combines the mirror's observer (if any) with the outcome recorder. */
function teeObserver(first: PrimaryObserver | undefined, onStatus: (status: number) => void): PrimaryObserver {
  return {
    onRequestSent() {
      first?.onRequestSent()
    },
    onResponseHead(statusCode, headers) {
      onStatus(statusCode)
      first?.onResponseHead(statusCode, headers)
    },
    onResponseData(chunk) {
      first?.onResponseData(chunk)
    },
    onResponseError(kind: UpstreamErrorKind, message: string) {
      onStatus(NO_ANSWER_STATUS)
      first?.onResponseError(kind, message)
    },
  }
}

/**
 * The gateway side of the write log: for a route in stage record or replay (and final with
 * reverse), each write is read up to `writes.maxBodyBytes`, its intent appended to the route's
 * partition stream (bounded by `writes.appendTimeout`), then forwarded with its idempotency key;
 * the serving side's status and latency are recorded once it answers, while the answer streams on.
 * Whatever cannot be logged is still served and counted in a gap.
 */
export class WriteRecorder implements WriteHook {
  readonly #routes = new Map<string, LoggedRoute>()
  readonly #stages: WriteStageStore
  readonly #appender: WriteLogAppender
  readonly #instance: string
  readonly #logger: Logger

  constructor(opts: WriteRecorderOptions) {
    this.#stages = opts.stages
    this.#appender = opts.appender
    this.#instance = opts.instance
    this.#logger = opts.logger ?? pino({ level: 'silent' })
    for (const r of opts.config.routes) {
      const w = r.writes
      if (!w) continue
      const headers = [...new Set([...w.headers, w.idempotencyHeader])]
      this.#routes.set(r.name, { config: w, methods: new Set(w.methods), headers, partitioner: new WritePartitioner(r.match, w) })
    }
  }

  handles(route: string, method: string): boolean {
    const r = this.#routes.get(route)
    if (r === undefined || !r.methods.has(method)) return false
    const stage = this.#stages.stage(route)
    return stage === 'record' || stage === 'replay' || stage === 'final'
  }

  forward(req: IncomingMessage, res: ServerResponse, body: Readable | null, route: string, observer: PrimaryObserver | undefined, forward: ForwardWrite): void {
    const r = this.#routes.get(route)
    if (r === undefined) return forward(body, 'old', observer)
    const target = this.#stages.stage(route) === 'final' ? 'new' : 'old'
    if (target === 'new' && !r.config.reverse) return forward(body, 'new', observer)
    this.#record(req, res, body, route, r, target, observer, forward).catch((err: unknown) => {
      this.#logger.error({ route, err }, 'write log failed around a write')
      if (!res.headersSent) res.destroy()
    })
  }

  async #record(req: IncomingMessage, res: ServerResponse, body: Readable | null, route: string, r: LoggedRoute, target: 'old' | 'new', observer: PrimaryObserver | undefined, forward: ForwardWrite): Promise<void> {
    const partition = r.partitioner.partitionOf(req)
    let read: Awaited<ReturnType<typeof readUpTo>> = { head: [], size: 0, rest: undefined }
    if (body !== null) {
      try {
        read = await readUpTo(body, r.config.maxBodyBytes)
      } catch {
        // The client went away before its write was complete: nothing was forwarded, nothing to log.
        res.destroy()
        return
      }
    }
    if (read.rest !== undefined) {
      this.#appender.addGap(route, partition, 'body_too_large')
      return forward(read.rest, target, observer)
    }
    const bodyBuf = read.head.length === 1 ? (read.head[0] as Buffer) : Buffer.concat(read.head, read.size)
    // Sent whole with the request head: no stream around a body that is already in memory.
    const forwardBody = body === null ? null : bodyBuf
    const idem = r.config.idempotencyHeader
    const key = randomUUID()
    const headers: Record<string, string> = {}
    for (const h of r.headers) {
      const v = req.headers[h]
      if (v !== undefined) headers[h] = Array.isArray(v) ? v.join(', ') : v
    }
    if (headers[idem] === undefined) {
      // The serving side sees the same key the replay will carry.
      headers[idem] = key
      req.rawHeaders.push(idem, key)
      req.headers[idem] = key
    }
    const result = await this.#appender.appendIntent(
      route,
      partition,
      { type: 'intent', key, method: req.method ?? 'POST', target: req.url ?? '/', headers, body: bodyBuf, side: target, instance: this.#instance, at: Date.now() },
      r.config.maxPendingEntries,
      r.config.appendTimeoutMs,
    )
    if (result === 'full') this.#appender.addGap(route, partition, 'log_full')
    else if (result !== 'logged') this.#appender.addGap(route, partition, 'redis_unavailable')
    if (result === 'full' || result === 'unavailable') return forward(forwardBody, target, observer)
    const started = performance.now()
    let recorded = false
    forward(forwardBody, target, teeObserver(observer, (status) => {
      if (recorded) return
      recorded = true
      this.#appender.recordOutcome(route, partition, key, { status, latencyMs: performance.now() - started })
    }))
  }
}
