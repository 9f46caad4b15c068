import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * What went wrong, as every shadowgate command names it on stderr: `shadowgate: <kind> error: …`.
 * usage: the command line; config: the config file; connection: a service could not be reached;
 * admin: the admin API refused the request; start: a service could not start; runtime: it failed while running.
 */
export type CliErrorKind = 'usage' | 'config' | 'connection' | 'admin' | 'start' | 'runtime'

/** The one line (or first line) a command prints for an error. */
export function cliErrorLine(kind: CliErrorKind, message: string): string {
  return `shadowgate: ${kind} error: ${message}`
}

/**
 * Whether to colour output: `--color` forces it on, `--no-color` off; otherwise on for a terminal
 * unless NO_COLOR is set to a non-empty value (no-color.org: an empty NO_COLOR does not disable).
 */
export function colorEnabled(opts: { color?: boolean | undefined; noColor?: boolean | undefined; env: Readonly<Record<string, string | undefined>>; isTTY: boolean | undefined }): boolean {
  if (opts.noColor === true) return false
  if (opts.color === true) return true
  const noColor = opts.env['NO_COLOR']
  return opts.isTTY === true && (noColor === undefined || noColor === '')
}

/**
 * The version of the package a module belongs to: the `version` of the nearest package.json above
 * it, from source and from dist alike. Undefined when none is found or it has no version.
 */
export function packageVersion(moduleUrl: string): string | undefined {
  let dir = dirname(fileURLToPath(moduleUrl))
  for (let depth = 0; depth < 8; depth++) {
    let text: string | undefined
    try {
      text = readFileSync(join(dir, 'package.json'), 'utf8')
    } catch {
      text = undefined
    }
    if (text !== undefined) {
      let version: unknown
      try {
        version = (JSON.parse(text) as { version?: unknown }).version
      } catch {
        version = undefined
      }
      return typeof version === 'string' ? version : undefined
    }
    const up = dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
  return undefined
}
