import { REDACTED, headerRedactionName, type AuditBatchWriter } from '@shadowgate/shared'

/**
 * The worker needs these to decode a body (the captured body keeps its HTTP content-encoding),
 * so they are never redacted, whatever the config lists.
 */
const NEVER_REDACTED = new Set(['content-type', 'content-encoding'])

/** A request's parsed headers as Node gives them: lower-cased names, repeated ones as arrays or joined. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>

/**
 * Writes a pair's headers into its batch as header lines (see AuditBatchWriter), redacted on the
 * way: a redacted header keeps its count of values but not their content, so a Set-Cookie is
 * visible as present and never in clear. Nothing is built per pair: no record, no lower-cased copy
 * of a name unless it could be a redacted one.
 */
export class HeaderCapture {
  /** Request headers stored with a pair, lower-cased, each with whether it is redacted. */
  readonly #keep: ReadonlyArray<readonly [name: string, redacted: boolean]>
  /** Names (as headerRedactionName spells them) whose values are replaced by `[redacted]`. */
  readonly #redact: ReadonlySet<string>
  /** Lengths of the redacted names: a name of any other length needs no lower-casing to be let through. */
  readonly #redactLengths: ReadonlySet<number>

  /** `keep`: request headers to store (response headers are all stored); `redact`: names to redact, any spelling. */
  constructor(keep: readonly string[], redact: readonly string[]) {
    const names = new Set(redact.map(headerRedactionName))
    for (const n of NEVER_REDACTED) names.delete(n)
    this.#redact = names
    this.#redactLengths = new Set([...names].map((n) => n.length))
    this.#keep = [...new Set(keep.map((n) => n.toLowerCase()))].map((n) => [n, this.redacts(n)] as const)
  }

  /** Whether a header of this name (any case, `_` for `-`) is stored redacted. */
  redacts(name: string): boolean {
    return this.#redactLengths.has(name.length) && this.#redact.has(headerRedactionName(name))
  }

  /** The kept request headers, in the order the config lists them, one line per value. */
  writeRequest(w: AuditBatchWriter, headers: RequestHeaders): void {
    const at = w.off
    w.u32(0)
    let n = 0
    for (const [name, redacted] of this.#keep) {
      const value = headers[name]
      if (value !== undefined) n += w.headerValues(name, value, redacted ? REDACTED : undefined)
    }
    w.u32At(at, n)
  }

  /** A response's header lines (`[name, value, ...]`), every one of them, as spelled. */
  writeLines(w: AuditBatchWriter, lines: readonly string[]): void {
    const count = lines.length >> 1
    w.u32(count)
    for (let i = 0; i < count * 2; i += 2) {
      const name = lines[i] as string
      w.str(name)
      w.str(this.redacts(name) ? REDACTED : (lines[i + 1] as string))
    }
  }
}
