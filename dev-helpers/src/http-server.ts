import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface TestServer {
  readonly url: string
  readonly port: number
  readonly server: Server
  /** Every request the server received, in order (method, url, headers, body). */
  readonly received: ReceivedRequest[]
  close(): Promise<void>
}

export interface ReceivedRequest {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: Buffer
}

/**
 * A real HTTP server on 127.0.0.1, port 0. The handler gets the request with its body already read.
 * close() also destroys open sockets so a server that never answers cannot keep the suite alive.
 */
export async function startServer(handler: (req: IncomingMessage & { body: Buffer }, res: ServerResponse) => void | Promise<void>): Promise<TestServer> {
  const received: ReceivedRequest[] = []
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      Promise.resolve(handler(Object.assign(req, { body }), res)).catch((err: unknown) => {
        res.statusCode = 500
        res.end(String(err))
      })
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    received,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const FILLER = Buffer.alloc(64 * 1_024, 0x61)

/**
 * Answers 200 with `bytes` of filler at the reader's pace (each write waits for 'drain'), so a
 * large response costs the server nothing while its reader stalls.
 */
export function streamFiller(res: ServerResponse, bytes: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes) })
  let left = bytes
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      const n = Math.min(left, FILLER.length)
      left -= n
      if (!res.write(n === FILLER.length ? FILLER : FILLER.subarray(0, n))) return void res.once('drain', pump)
    }
    res.end()
  }
  pump()
}
