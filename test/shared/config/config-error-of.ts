import { ConfigError, validateConfig } from '@shadowgate/shared'

/** The ConfigError validateConfig throws for `raw`; fails the test when it accepts it or throws anything else. */
export function errorOf(raw: unknown): ConfigError {
  try {
    validateConfig(raw)
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError')
}
