/**
 * A pino `err` serializer for service loggers. Client errors can carry what they sent: ioredis
 * attaches the failed command with its arguments (a failed AUTH's argument is the password),
 * undici may attach request options. Only the fields an operator needs are kept, whatever the
 * call site passed, so no log line can leak a credential through an error object.
 */
export interface LoggedError {
  readonly type: string
  readonly message: string
  readonly code?: string
  readonly stack?: string
}

export function logSafeError(err: unknown): LoggedError | unknown {
  if (!(err instanceof Error)) return err
  const code = (err as { code?: unknown }).code
  const out: { type: string; message: string; code?: string; stack?: string } = { type: err.name, message: err.message }
  if (typeof code === 'string') out.code = code
  if (err.stack) out.stack = err.stack
  return out
}
