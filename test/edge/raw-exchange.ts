import { connect, type Socket } from 'node:net'

/** One response read off a raw connection (interim 1xx responses included, in order). */
export interface RawResponse {
  readonly status: number
  /** Lower-cased names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
}

/** What the client does, in order: write bytes, pause, wait for some answer, or hang up. */
export type RawStep =
  | string
  | Buffer
  | { readonly pauseMs: number }
  /** Waits until this many responses (1xx included) have been read. */
  | { readonly awaitResponses: number }
  /** Waits until the bytes received so far contain this text. */
  | { readonly awaitText: string }
  /** The client half-closes: no more bytes from it, but it still reads. */
  | { readonly end: true }
  /** The client hangs up at once. */
  | { readonly destroy: true }

export interface RawExchangeResult {
  readonly responses: RawResponse[]
  /** Every byte the server sent. */
  readonly bytes: Buffer
  /** The server closed the connection (observed before the exchange ended). */
  readonly serverClosed: boolean
}

const CRLF2 = Buffer.from('\r\n\r\n')

function headerBlock(text: string): { status: number; headers: Record<string, string> } {
  const lines = text.split('\r\n')
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')
  if (m === null) throw new Error(`not an HTTP/1.x status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`)
  const headers: Record<string, string> = {}
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
  }
  return { status: Number(m[1]), headers }
}

/** Body of a chunked message starting at `from`; undefined while incomplete. */
function chunkedBody(buf: Buffer, from: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = []
  let at = from
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at)
    if (lineEnd < 0) return undefined
    const size = parseInt(buf.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16)
    if (!Number.isFinite(size)) throw new Error('malformed chunk size in a response')
    if (size === 0) {
      const trailerEnd = buf.indexOf(CRLF2, lineEnd)
      const end = buf.subarray(lineEnd, lineEnd + 4).equals(CRLF2) ? lineEnd + 4 : trailerEnd < 0 ? -1 : trailerEnd + 4
      return end < 0 ? undefined : { body: Buffer.concat(parts), end }
    }
    if (buf.length < lineEnd + 2 + size + 2) return undefined
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size))
    at = lineEnd + 2 + size + 2
  }
}

/**
 * Splits the bytes a server sent into complete HTTP/1.1 responses. A response framed by the end
 * of the connection counts only once `closed` is true. Returns the responses and whether the rest
 * is an incomplete message.
 */
export function parseResponses(buf: Buffer, closed: boolean): { responses: RawResponse[]; incomplete: boolean } {
  const responses: RawResponse[] = []
  let at = 0
  while (at < buf.length) {
    const headEnd = buf.indexOf(CRLF2, at)
    if (headEnd < 0) return { responses, incomplete: true }
    const { status, headers } = headerBlock(buf.subarray(at, headEnd).toString('latin1'))
    const bodyStart = headEnd + 4
    if (status < 200 || status === 204 || status === 304) {
      responses.push({ status, headers, body: Buffer.alloc(0) })
      at = bodyStart
      continue
    }
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const chunked = chunkedBody(buf, bodyStart)
      if (chunked === undefined) return { responses, incomplete: true }
      responses.push({ status, headers, body: chunked.body })
      at = chunked.end
      continue
    }
    const length = headers['content-length']
    if (length !== undefined) {
      const end = bodyStart + Number(length)
      if (buf.length < end) return { responses, incomplete: true }
      responses.push({ status, headers, body: buf.subarray(bodyStart, end) })
      at = end
      continue
    }
    if (!closed) return { responses, incomplete: true }
    responses.push({ status, headers, body: buf.subarray(bodyStart) })
    at = buf.length
  }
  return { responses, incomplete: false }
}

export interface RawExchangeOptions {
  /** Whole-exchange bound; the socket is destroyed when it passes. */
  readonly timeoutMs?: number
  /** After the steps: wait for the server to close the connection (bounded by timeoutMs). */
  readonly awaitClose?: boolean
}

/**
 * Talks to a server over a raw TCP connection, byte for byte as written (no client library to
 * normalise or refuse anything), and reports what came back. Always bounded and always closes
 * the socket.
 */
export async function rawExchange(port: number, steps: readonly RawStep[], opts: RawExchangeOptions = {}): Promise<RawExchangeResult> {
  const timeoutMs = opts.timeoutMs ?? 5_000
  const socket: Socket = connect(port, '127.0.0.1')
  socket.setNoDelay(true)
  const chunks: Buffer[] = []
  let serverClosed = false
  let wake: (() => void) | undefined
  const notify = (): void => {
    const w = wake
    wake = undefined
    w?.()
  }
  socket.on('data', (d: Buffer) => {
    chunks.push(d)
    notify()
  })
  socket.on('end', () => {
    serverClosed = true
    notify()
  })
  socket.on('close', () => {
    serverClosed = true
    notify()
  })
  // A refused or reset connection is an observation, not a test crash.
  socket.on('error', () => notify())
  const deadline = Date.now() + timeoutMs
  const bytes = (): Buffer => Buffer.concat(chunks)
  const until = async (done: () => boolean, what: string): Promise<void> => {
    while (!done()) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`raw exchange timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(bytes().toString('latin1').slice(0, 300))}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50))
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }
  try {
    await until(() => socket.readyState === 'open' || serverClosed, 'the connection')
    for (const step of steps) {
      // Once the server hung up, the rest of the script has no one to talk to.
      if (serverClosed) break
      if (typeof step === 'string' || Buffer.isBuffer(step)) {
        if (!socket.destroyed) socket.write(typeof step === 'string' ? Buffer.from(step, 'latin1') : step)
      } else if ('pauseMs' in step) {
        await new Promise((r) => setTimeout(r, step.pauseMs))
      } else if ('awaitResponses' in step) {
        await until(() => parseResponses(bytes(), serverClosed).responses.length >= step.awaitResponses || serverClosed, `${step.awaitResponses} response(s)`)
      } else if ('awaitText' in step) {
        await until(() => bytes().includes(step.awaitText) || serverClosed, JSON.stringify(step.awaitText))
      } else if ('end' in step) {
        socket.end()
      } else {
        socket.destroy()
      }
    }
    if (opts.awaitClose === true) await until(() => serverClosed, 'the server to close the connection')
  } finally {
    socket.destroy()
  }
  const all = bytes()
  return { responses: parseResponses(all, serverClosed).responses, bytes: all, serverClosed }
}
