import { describe, expect, it } from 'vitest'
import { BodyCapture } from '../../../gateway/src/mirror/body-capture.js'

describe('BodyCapture', () => {
  it('keeps everything up to the limit and says when it is complete', () => {
    const c = new BodyCapture(10)
    c.add(Buffer.from('hello'))
    c.add(Buffer.from('world'))
    expect(c.toBuffer().toString()).toBe('helloworld')
    expect(c.truncated).toBe(false)
    expect(c.size).toBe(10)
  })

  it('keeps the first limit bytes, cutting inside a chunk, and counts the rest', () => {
    const c = new BodyCapture(7)
    c.add(Buffer.from('hello'))
    c.add(Buffer.from('world'))
    c.add(Buffer.from('!!'))
    expect(c.toBuffer().toString()).toBe('hellowo')
    expect(c.truncated).toBe(true)
    expect(c.size).toBe(12)
  })

  it('captures nothing with a zero limit and an empty body is complete', () => {
    const zero = new BodyCapture(0)
    zero.add(Buffer.from('x'))
    expect(zero.toBuffer().length).toBe(0)
    expect(zero.truncated).toBe(true)
    expect(new BodyCapture(5).truncated).toBe(false)
  })
})
