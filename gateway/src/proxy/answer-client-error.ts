import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'

/** Stable `code`s of the answers to requests Node's HTTP parser refused. */
export const CLIENT_ERROR_CODES = {
  badRequest: 'SG_BAD_REQUEST',
  timeout: 'SG_CLIENT_TIMEOUT',
  headersTooLarge: 'SG_HEADERS_TOO_LARGE',
  chunkExtensionsTooLarge: 'SG_CHUNK_EXTENSIONS_TOO_LARGE',
} as const

export interface ClientErrorAnswer {
  readonly status: number
  readonly reason: string
  readonly code: string
  readonly message: string
}

function clientErrorAnswer(err: Error & { code?: string }): ClientErrorAnswer {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, reason: 'Request Timeout', code: CLIENT_ERROR_CODES.timeout, message: 'the request was not received in time (proxy.clientHeadersTimeout / proxy.clientRequestTimeout)' }
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, reason: 'Request Header Fields Too Large', code: CLIENT_ERROR_CODES.headersTooLarge, message: 'the request line and headers exceed the server limit' }
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, reason: 'Payload Too Large', code: CLIENT_ERROR_CODES.chunkExtensionsTooLarge, message: 'chunk extensions exceed the server limit' }
    case 'HPE_INVALID_EOF_STATE':
      return { status: 400, reason: 'Bad Request', code: CLIENT_ERROR_CODES.badRequest, message: 'the client ended the connection before the request was complete' }
    default:
      // Parser messages name the rule broken ("Parse Error: Invalid header value char"), never the request's bytes.
      return { status: 400, reason: 'Bad Request', code: CLIENT_ERROR_CODES.badRequest, message: `malformed HTTP request: ${err.message}` }
  }
}

/**
 * Builds a Fastify `clientErrorHandler` that answers what Node's HTTP parser refused (smuggling
 * attempts, invalid methods or header bytes, oversized headers) and the client timeouts with
 * `body(answer)` as JSON, then closes the connection. Unlike Fastify's default, it never writes an
 * answer into a response that is already on the wire (a primary answering before the slow request
 * body completed): splicing error bytes into a relayed body could hand the client a "complete" but
 * corrupted response.
 */
export function clientErrorHandler(body: (answer: ClientErrorAnswer) => unknown): (this: FastifyInstance, err: Error & { code?: string }, socket: Socket) => void {
  return function answer(this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return
    const answer = clientErrorAnswer(err)
    this.log.debug({ code: err.code, status: answer.status }, 'client request refused by the HTTP parser or timed out')
    // The response Node attached to this connection (undocumented, but what Node's own handler checks).
    const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
    if (socket.writable && (current === undefined || current === null || !current.headersSent)) {
      const text = JSON.stringify(body(answer))
      socket.write(
        `HTTP/1.1 ${answer.status} ${answer.reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      )
    }
    socket.destroy(err)
  }
}

/** The traffic listener's clientErrorHandler: `{"error": message, "code": code}`. */
export const answerClientError = clientErrorHandler((answer) => ({ error: answer.message, code: answer.code }))
