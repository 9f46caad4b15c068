import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

// Imports a built entry in a fresh node and lists every module URL the ESM loader resolved on the
// way, through a resolve hook (module.register), so the list is what really loads, not a guess.
const PROBE = `
import { register } from 'node:module'
import { MessageChannel } from 'node:worker_threads'
const { port1, port2 } = new MessageChannel()
const seen = []
const END = 'data:text/javascript,export default 0'
const done = new Promise((resolve) => port1.on('message', (url) => (url === END ? resolve() : seen.push(url))))
const hooks = 'let port; export function initialize(d) { port = d.port } export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r }'
register('data:text/javascript,' + encodeURIComponent(hooks), { data: { port: port2 }, transferList: [port2] })
await import(process.argv[1])
await import(END)
await done
port1.close()
process.stdout.write(JSON.stringify(seen))
`

function modulesLoadedBy(specifier: string): string[] {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE, specifier], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 })
  return JSON.parse(out) as string[]
}

const HEAVY = ['/node_modules/bullmq/', '/node_modules/ioredis/', '/node_modules/@influxdata/', '/influx/dist/', '/audit-service/dist/', '/cli/dist/', '/demo/']

describe('what an embedder loads', () => {
  it.each(['@shadowgate/gateway/mirror', '@shadowgate/gateway/http-proxy'])('%s loads neither BullMQ, ioredis, the InfluxDB client, the audit service nor the demo', (entry) => {
    const loaded = modulesLoadedBy(entry)
    expect(loaded.some((u) => u.includes('/gateway/dist/src/'))).toBe(true)
    for (const heavy of HEAVY) expect(loaded.filter((u) => u.includes(heavy)), heavy).toEqual([])
  })

  it('the probe sees them when they are loaded (the full gateway entry loads BullMQ and InfluxDB)', () => {
    const loaded = modulesLoadedBy('@shadowgate/gateway')
    expect(loaded.some((u) => u.includes('/node_modules/bullmq/'))).toBe(true)
    expect(loaded.some((u) => u.includes('/influx/dist/'))).toBe(true)
  })
})
