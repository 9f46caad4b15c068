import { Agent, request, type Dispatcher } from 'undici'
import type { WriteIntent } from '@shadowgate/shared'

/** A read-back: the status and the body (up to the limit), or no answer. */
export type ReadAnswer = { readonly status: number; readonly body: Buffer } | { readonly error: 'timeout' | 'unavailable' | 'too_large'; readonly message: string }

/** What one replay attempt got: a status, or no answer (timeout, refused, reset). */
export type ReplayAnswer = { readonly status: number } | { readonly error: 'timeout' | 'unavailable'; readonly message: string }

/**
 * Sends logged writes to an upstream exactly as recorded: method, path and query, the recorded
 * headers (with the idempotency key) and body. The answer's body is read and dropped.
 */
export class ReplayTarget {
  readonly #dispatcher: Dispatcher

  constructor(connections = 32) {
    this.#dispatcher = new Agent({ connections, keepAliveTimeout: 4_000 })
  }

  async send(upstream: string, intent: WriteIntent, idempotencyHeader: string, timeoutMs: number): Promise<ReplayAnswer> {
    const headers: Record<string, string> = { ...intent.headers, [idempotencyHeader]: intent.headers[idempotencyHeader] ?? intent.key }
    delete headers['content-length']
    delete headers['host']
    try {
      const res = await request(`${upstream}${intent.target}`, {
        method: intent.method as Dispatcher.HttpMethod,
        headers,
        body: intent.body.length > 0 || intent.method !== 'DELETE' ? intent.body : null,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        dispatcher: this.#dispatcher,
      })
      await res.body.dump({ limit: 1_048_576 }).catch(() => undefined)
      return { status: res.statusCode }
    } catch (err) {
      const code = (err as { code?: string }).code ?? ''
      const timeout = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT'
      return { error: timeout ? 'timeout' : 'unavailable', message: (err as Error).message }
    }
  }

  /** GETs `url` (a read-back after a replayed write); a body past `maxBytes` is an error, not a partial read. */
  async read(url: string, headers: Record<string, string>, timeoutMs: number, maxBytes: number): Promise<ReadAnswer> {
    try {
      const res = await request(url, { method: 'GET', headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, dispatcher: this.#dispatcher })
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length
        if (size > maxBytes) {
          res.body.destroy()
          return { error: 'too_large', message: `body over ${maxBytes} bytes` }
        }
        chunks.push(chunk as Buffer)
      }
      return { status: res.statusCode, body: Buffer.concat(chunks, size) }
    } catch (err) {
      const code = (err as { code?: string }).code ?? ''
      const timeout = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT'
      return { error: timeout ? 'timeout' : 'unavailable', message: (err as Error).message }
    }
  }

  async close(): Promise<void> {
    await this.#dispatcher.destroy()
  }
}
