import { TextDecoder } from 'node:util'

/** Charset labels treated as UTF-8 without a note (us-ascii is a subset). */
const UTF8_LABELS = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8', 'us-ascii', 'ascii'])

export type TextDecoding =
  | { readonly ok: true; readonly text: string; readonly unknownCharset: boolean }
  | { readonly ok: false; readonly reason: 'invalid_utf8' | 'invalid_charset_bytes' }

function decoderFor(label: string): TextDecoder | undefined {
  try {
    return new TextDecoder(label, { fatal: true })
  } catch {
    // Node throws ERR_ENCODING_NOT_SUPPORTED for labels outside the WHATWG list.
    return undefined
  }
}

/**
 * Decodes body bytes as text. UTF-8 is the default and what JSON requires; other labels
 * (`latin1`, `iso-8859-1`, `windows-1252`, `utf-16le`, ...) go through TextDecoder. An unknown label
 * decodes as UTF-8 with `unknownCharset` set, since a typo in a header should not hide real differences.
 * Bytes that are not valid in the charset are reported instead of being replaced with U+FFFD: two
 * different invalid sequences would otherwise both become U+FFFD and compare equal.
 * A leading byte-order mark is dropped.
 */
export function decodeText(bytes: Uint8Array, charset: string | undefined): TextDecoding {
  const label = charset ?? 'utf-8'
  const known = UTF8_LABELS.has(label) ? undefined : decoderFor(label)
  const unknownCharset = !UTF8_LABELS.has(label) && known === undefined
  const decoder = known ?? new TextDecoder('utf-8', { fatal: true })
  try {
    return { ok: true, text: decoder.decode(bytes), unknownCharset }
  } catch {
    return { ok: false, reason: decoder.encoding === 'utf-8' ? 'invalid_utf8' : 'invalid_charset_bytes' }
  }
}

/** True when the bytes look like text: valid UTF-8 without NUL or other C0 controls besides tab, CR, LF, FF and ESC. */
export function looksLikeText(text: string): boolean {
  // Only a prefix is checked: binary formats show control bytes early, and the check must stay cheap on large bodies.
  const end = Math.min(text.length, 8192)
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b) return false
  }
  return true
}
