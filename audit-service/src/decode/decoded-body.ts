import type { CapturedResponse } from '@shadowgate/shared'
import { DecodeError } from '../errors.js'
import { decodeContentEncoding, headerValue } from './content-decoding.js'
import { decodeTransport } from './decode-transport.js'
import { parseMediaType, type MediaType } from './media-type.js'

/** A response body as the client would have seen it: transport and content-encoding undone. */
export interface DecodedBody {
  readonly bytes: Buffer
  readonly media: MediaType
}

/**
 * Decodes one captured body: refuses a truncated capture (DecodeError `truncated`: judging a prefix
 * would report differences that are not there), undoes the queue transport, then the HTTP
 * content-encoding, never holding more than `maxDecodedBytes` of output.
 */
export async function decodeBody(response: CapturedResponse, maxDecodedBytes: number, what: string): Promise<DecodedBody> {
  if (response.body.truncated) throw new DecodeError('truncated', `${what}: body was truncated at capture (${response.body.size} bytes kept)`)
  const raw = await decodeTransport(response.body, maxDecodedBytes, what)
  const bytes = await decodeContentEncoding(raw, headerValue(response.headers, 'content-encoding'), maxDecodedBytes, what)
  return { bytes, media: parseMediaType(headerValue(response.headers, 'content-type')) }
}
