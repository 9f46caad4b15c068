import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { validateConfig, type ShadowgateConfig } from '@shadowgate/shared'
import type { FastifyInstance } from 'fastify'
import { buildGateway } from '../../../gateway/src/build-gateway.js'
import type { BuildGatewayOptions } from '../../../gateway/src/gateway-options.js'
import { GatewayMetrics } from '../../../gateway/src/metrics/gateway-metrics.js'
import type { MirrorDecorator } from '../../../gateway/src/mirror/mirror-plugin.js'

export interface RunningGateway {
  readonly app: FastifyInstance
  readonly url: string
  readonly port: number
  readonly config: ShadowgateConfig
  readonly metrics: GatewayMetrics
  /** The mirror plugin's decorator (circuit states, copies in flight). */
  readonly mirror: MirrorDecorator
  close(): Promise<void>
}

/** Builds a gateway from a raw config object (validated like a config file) and listens on 127.0.0.1:0. */
export async function startGateway(raw: Record<string, unknown>, options: BuildGatewayOptions = {}): Promise<RunningGateway> {
  const config = validateConfig(raw)
  const metrics = options.metrics ?? new GatewayMetrics()
  const app = await buildGateway(config, { ...options, metrics })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as AddressInfo).port
  return { app, url: `http://127.0.0.1:${port}`, port, config, metrics, mirror: app.mirror, close: () => app.close() }
}

export interface SentResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly rawHeaders: string[]
  readonly body: Buffer
}

/**
 * One request over a fresh connection with node:http (which never decompresses or rewrites),
 * resolving with the complete response; rejects when the response is cut short.
 */
export async function send(
  baseUrl: string,
  path: string,
  init: { method?: string; headers?: OutgoingHttpHeaders | string[]; body?: Buffer | string | Iterable<Buffer> } = {},
): Promise<SentResponse> {
  const u = new URL(baseUrl)
  let headers = init.headers
  // node:http sends DELETE/OPTIONS bodies without framing unless told the length.
  if ((typeof init.body === 'string' || Buffer.isBuffer(init.body)) && !Array.isArray(headers) && headers?.['content-length'] === undefined) {
    headers = { ...headers, 'content-length': Buffer.byteLength(init.body) }
  }
  return await new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method: init.method ?? 'GET', path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        if (!res.complete) reject(new Error('response ended before it was complete'))
        else resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) })
      })
      res.on('error', reject)
      res.on('aborted', () => reject(new Error('response aborted')))
    })
    req.on('error', reject)
    const body = init.body
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) req.end(body)
    else {
      const it = body[Symbol.iterator]()
      const pump = (): void => {
        for (;;) {
          const next = it.next()
          if (next.done) {
            req.end()
            return
          }
          if (!req.write(next.value)) {
            req.once('drain', pump)
            return
          }
        }
      }
      pump()
    }
  })
}

/** Values of one header in a raw header list, case-insensitively. */
export function rawHeaderValues(rawHeaders: readonly string[], name: string): string[] {
  const out: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) if ((rawHeaders[i] as string).toLowerCase() === name) out.push(rawHeaders[i + 1] as string)
  return out
}
