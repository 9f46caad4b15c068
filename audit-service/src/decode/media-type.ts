/** What a content-type says about how to compare a body; `unknown` bodies are sniffed. */
export type DeclaredKind = 'json' | 'text' | 'binary' | 'unknown'

export interface MediaType {
  /** `type/subtype`, lower-case; empty when the header is absent or malformed. */
  readonly essence: string
  /** The charset parameter, lower-case, when present. */
  readonly charset: string | undefined
  readonly kind: DeclaredKind
}

const TEXT_SUBTYPES = /^(?:.*\+)?(?:xml|yaml|x-yaml|javascript|x-javascript|ecmascript|x-www-form-urlencoded|graphql|x-ndjson|ndjson|json-seq|csv|html|xhtml\+xml|problem\+xml)$/
const BINARY_TYPES = new Set(['image', 'audio', 'video', 'font', 'model'])
const BINARY_SUBTYPES = /^(?:octet-stream|pdf|zip|gzip|x-gzip|x-tar|x-7z-compressed|wasm|protobuf|x-protobuf|vnd\.google\.protobuf|grpc(?:\+.*)?|msgpack|x-msgpack|cbor|vnd\.apache\.avro.*|x-bzip2?|zstd)$/

/**
 * Parses a content-type header. JSON is `application/json`, any `+json` suffix, `text/json` and
 * `x-json` (newline-delimited JSON is text: it is not one document). A charset parameter makes
 * an otherwise unknown type text, since the sender says it is characters.
 */
export function parseMediaType(header: string | undefined): MediaType {
  if (header === undefined) return { essence: '', charset: undefined, kind: 'unknown' }
  const [head = '', ...params] = header.split(';')
  const essence = head.trim().toLowerCase()
  let charset: string | undefined
  for (const p of params) {
    const eq = p.indexOf('=')
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'charset') continue
    charset = p
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase()
  }
  const slash = essence.indexOf('/')
  if (slash <= 0) return { essence, charset, kind: charset === undefined ? 'unknown' : 'text' }
  const type = essence.slice(0, slash)
  const subtype = essence.slice(slash + 1)
  let kind: DeclaredKind = 'unknown'
  if (subtype === 'json' || subtype === 'x-json' || subtype.endsWith('+json')) kind = 'json'
  else if (type === 'text' || TEXT_SUBTYPES.test(subtype)) kind = 'text'
  else if (BINARY_TYPES.has(type) || BINARY_SUBTYPES.test(subtype)) kind = 'binary'
  else if (charset !== undefined) kind = 'text'
  return { essence, charset, kind }
}
