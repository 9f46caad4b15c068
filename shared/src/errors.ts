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
  /** Every problem found, the first one being `key`: a config is checked whole, not up to its first error. */
  readonly issues: readonly ConfigIssue[]
  constructor(key: string, constraint: string, more: readonly ConfigIssue[] = []) {
    const issues = [{ key, constraint }, ...more]
    super('SG_CONFIG_INVALID', issues.map((i) => `${i.key} ${i.constraint}`).join('\n'))
    this.key = key
    this.issues = issues
  }

  /** One error for a non-empty list of problems. */
  static of(issues: readonly [ConfigIssue, ...ConfigIssue[]]): ConfigError {
    const [first, ...more] = issues
    return new ConfigError(first.key, first.constraint, more)
  }
}

/** One problem of a config: the key path and the constraint it breaks. */
export interface ConfigIssue {
  readonly key: string
  readonly constraint: string
}

/** An audit job does not match the versioned job schema. */
export class JobSchemaError extends ShadowgateError {
  constructor(message: string, code = 'SG_JOB_INVALID') {
    super(code, message)
  }
}

/**
 * A queue job's envelope carries a version this code does not read (an older or newer producer):
 * a JobSchemaError of its own code, so a worker counts such pairs under their own skip reason.
 */
export class JobVersionError extends JobSchemaError {
  constructor(message: string) {
    super(message, 'SG_JOB_VERSION')
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
