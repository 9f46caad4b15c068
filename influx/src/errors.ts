/**
 * Errors of @shadowgate/influx. Callers match on `code`; test/influx/errors.test.ts lists every
 * class with its code.
 */
export class InfluxError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** An InfluxQL query failed: InfluxDB unreachable, refused (status, error text) or an answer that is not a result. */
export class InfluxQueryError extends InfluxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SG_INFLUX_QUERY', message, options)
  }
}
