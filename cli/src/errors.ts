/**
 * Errors of the `shadowgate` CLI and the demo. Callers match on `code`; the table test in
 * test/cli/errors.test.ts lists every class with its code.
 */
export class CliError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** Demo: something the demo needs is missing or unreachable (redis-server not installed, REDIS_URL down). */
export class DemoPrerequisiteError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SG_DEMO_PREREQUISITE', message, options)
  }
}
