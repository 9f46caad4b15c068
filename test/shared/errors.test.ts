import { describe, expect, it } from 'vitest'
import { ConfigError, JobSchemaError, PathSyntaxError, ShadowgateError } from '@shadowgate/shared'

describe('shared errors', () => {
  it.each([
    [new ConfigError('routes[0].name', 'is required'), 'SG_CONFIG_INVALID', 'routes[0].name is required'],
    [new JobSchemaError('job.v must be 1'), 'SG_JOB_INVALID', 'job.v must be 1'],
    [new PathSyntaxError('$.a[', 'has an unclosed "["'), 'SG_PATH_INVALID', 'field path "$.a[" has an unclosed "["'],
  ])('%s has a stable code', (err, code, message) => {
    expect(err).toBeInstanceOf(ShadowgateError)
    expect(err.code).toBe(code)
    expect(err.message).toBe(message)
    expect(err.name).toBe(err.constructor.name)
  })
})
