import { describe, expect, it } from 'vitest'
import { CliError, DemoPrerequisiteError } from '../../cli/src/errors.js'

// Callers match on `code`: the codes are a contract, listed once here.
describe('cli errors', () => {
  it.each([[new DemoPrerequisiteError('no redis-server'), 'SG_DEMO_PREREQUISITE']])('%s has code %s', (err, code) => {
    expect(err).toBeInstanceOf(CliError)
    expect(err).toBeInstanceOf(Error)
    expect(err.code).toBe(code)
    expect(err.name).toBe(err.constructor.name)
  })
})
