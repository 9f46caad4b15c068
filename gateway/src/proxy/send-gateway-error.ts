import type { ServerResponse } from 'node:http'
import type { GatewayError } from '../errors.js'

/** Answers a client with `{"error": "...", "code": "..."}`; destroys the connection if a response already started. */
export function sendJsonError(res: ServerResponse, statusCode: number, code: string, message: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy()
    return
  }
  const body = JSON.stringify({ error: message, code })
  res.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** Answers a client with a gateway error as JSON, with the error's status. */
export function sendGatewayError(res: ServerResponse, error: GatewayError): void {
  sendJsonError(res, error.statusCode, error.code, error.message)
}
