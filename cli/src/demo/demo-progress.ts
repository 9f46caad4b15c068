/** What the progress line shows. */
export interface ProgressFigures {
  readonly elapsedMs: number
  readonly totalMs: number
  /** The mirror percent in force; undefined before the first step. */
  readonly percent: number | undefined
  readonly requests: number
  readonly mirrored: number
  readonly audited: number
  readonly mismatched: number
}

export interface ProgressStream {
  write(text: string): unknown
  readonly isTTY?: boolean | undefined
  readonly columns?: number | undefined
}

const BAR_WIDTH = 24
const PLAIN_EVERY_MS = 5_000

function seconds(ms: number): string {
  return String(Math.floor(ms / 1_000))
}

/**
 * The demo's progress on stderr. On a terminal: one bar redrawn in place, with notes printed above
 * it. Elsewhere (CI logs, pipes): no control characters, a plain line every few seconds.
 */
export class DemoProgress {
  readonly #out: ProgressStream
  readonly #tty: boolean
  readonly #color: boolean
  #last: ProgressFigures | undefined
  #lastPlainMs = -Infinity
  #drawn = false

  constructor(out: ProgressStream, opts: { color: boolean }) {
    this.#out = out
    this.#tty = out.isTTY === true
    this.#color = opts.color && this.#tty
  }

  update(f: ProgressFigures): void {
    this.#last = f
    if (this.#tty) return this.#draw()
    if (f.elapsedMs - this.#lastPlainMs < PLAIN_EVERY_MS) return
    this.#lastPlainMs = f.elapsedMs
    this.#out.write(`  ${this.#text(f)}\n`)
  }

  /** A line that stays (a mirror change, a warning). */
  note(text: string): void {
    if (this.#tty && this.#drawn) this.#out.write('\r\u001b[2K')
    this.#out.write(`${text}\n`)
    // The bar comes back with the next update, which carries the figures the note announced.
    this.#drawn = false
  }

  /** Leaves the last figures on their own line. */
  finish(): void {
    if (!this.#last) return
    if (this.#tty) {
      this.#draw()
      this.#out.write('\n')
    } else this.#out.write(`  ${this.#text(this.#last)}\n`)
    this.#last = undefined
    this.#drawn = false
  }

  #draw(): void {
    const f = this.#last
    if (!f) return
    const share = f.totalMs > 0 ? Math.min(1, f.elapsedMs / f.totalMs) : 1
    const full = Math.round(share * BAR_WIDTH)
    const filled = '█'.repeat(full)
    const bar = `[${this.#color ? `\u001b[36m${filled}\u001b[39m` : filled}${'░'.repeat(BAR_WIDTH - full)}]`
    let text = this.#text(f)
    // Never wrap: a wrapped line cannot be redrawn in place. The bar takes BAR_WIDTH + 3 columns.
    const columns = this.#out.columns ?? 0
    if (columns > 0 && BAR_WIDTH + 3 + text.length >= columns) text = text.slice(0, Math.max(0, columns - BAR_WIDTH - 4))
    const line = `${bar} ${text}`
    this.#out.write(`\r\u001b[2K${line}`)
    this.#drawn = true
  }

  #text(f: ProgressFigures): string {
    const percent = f.percent === undefined ? '-' : `${f.percent} %`
    return `${seconds(f.elapsedMs).padStart(3)}/${seconds(f.totalMs)} s  mirror ${percent.padStart(5)}  requests ${f.requests}  mirrored ${f.mirrored}  audited ${f.audited}  mismatched ${f.mismatched}`
  }
}
