import { Writable } from 'node:stream'
import { parseConfig, type ShadowgateConfig } from '@shadowgate/shared'
import { pino, type Logger } from 'pino'

/** A two-route config for runtime and admin tests; `extra` is appended YAML at the top level. */
export function runtimeTestConfig(extra = ''): ShadowgateConfig {
  return parseConfig(`
primary: http://127.0.0.1:9
shadow: http://127.0.0.1:10
listen: { host: 127.0.0.1, port: 0 }
routes:
  - name: users
    match: /users/*
    mirror: { percent: 10 }
  - name: orders
    match: /orders
${extra}
`)
}

/** A pino logger that keeps its JSON lines in memory, so tests can assert what was logged. */
export function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>)
      done()
    },
  })
  return { logger: pino({ level: 'debug' }, stream), lines }
}
