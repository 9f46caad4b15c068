/**
 * Errors raised by the shared contracts. Callers match on `code`, never on the message.
 */
export class ShadowgateError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** A configuration value is missing, of the wrong type or outside its range. `key` names it, e.g. `routes[2].mirror.percent`. */
export class ConfigError extends ShadowgateError {
  readonly key: string
  constructor(key: string, constraint: string) {
    super('SG_CONFIG_INVALID', `${key} ${constraint}`)
    this.key = key
  }
}

/** An audit job does not match the versioned job schema. */
export class JobSchemaError extends ShadowgateError {
  constructor(message: string) {
    super('SG_JOB_INVALID', message)
  }
}

/** A field path does not follow the path grammar (`$.items[*].price`). */
export class PathSyntaxError extends ShadowgateError {
  readonly path: string
  constructor(path: string, reason: string) {
    super('SG_PATH_INVALID', `field path "${path}" ${reason}`)
    this.path = path
  }
}
