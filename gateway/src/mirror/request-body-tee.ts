import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream'
import type { MirrorExchange } from './mirror-exchange.js'

/**
 * Passes a request body through unchanged while handing each chunk to the mirror. It moves at
 * the pace of whoever reads it (the primary upstream): the copy never reads ahead, so the
 * primary is never delayed waiting for it.
 */
class RequestBodyTee extends Transform {
  readonly #exchange: MirrorExchange
  #ended = false
  /** Fastify checks body parsers' received length against Content-Length with this. */
  receivedEncodedLength = 0

  constructor(exchange: MirrorExchange) {
    super()
    this.#exchange = exchange
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.receivedEncodedLength += chunk.length
    this.#exchange.bodyChunk(chunk)
    callback(null, chunk)
  }

  override _flush(callback: TransformCallback): void {
    this.#ended = true
    this.#exchange.bodyEnd()
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#ended) this.#exchange.bodyIncomplete()
    callback(error)
  }
}

/** Returns the stream to read instead of `source`: the same bytes, copied to the exchange as they pass. */
export function teeRequestBody(source: Readable, exchange: MirrorExchange): Readable {
  const tee = new RequestBodyTee(exchange)
  // pipeline forwards a client abort (source error) to the tee, and a reader's give-up back to the source.
  pipeline(source, tee, () => {})
  return tee
}
