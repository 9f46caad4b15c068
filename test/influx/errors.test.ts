import { describe, expect, it } from 'vitest'
import { InfluxError, InfluxQueryError } from '@shadowgate/influx'

// Callers match on `code`: a contract, listed once here.
describe('influx errors', () => {
  it.each([[new InfluxQueryError('InfluxDB at http://x refused the query (HTTP 401)'), 'SG_INFLUX_QUERY']])('%s has a stable code', (err, code) => {
    expect(err).toBeInstanceOf(InfluxError)
    expect(err).toBeInstanceOf(Error)
    expect(err.code).toBe(code)
    expect(err.name).toBe(err.constructor.name)
  })
})
