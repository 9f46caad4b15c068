/**
 * Entry of every bench child process: `node bench-child.js '<ChildSpec JSON>'`, forked with IPC.
 * It starts one role on 127.0.0.1, reports `ready` with its URL, answers `stats` requests, and
 * closes on `close`, on SIGTERM/SIGINT, or when the parent goes away (IPC disconnect), so no
 * child outlives the bench.
 */
import { performance } from 'node:perf_hooks'
import { CHILD_ROLES, type ChildMessage, type ChildSpec, type ChildStats, type ParentMessage, type RunningRole } from './child-protocol.js'
import { startNodeHttpProxy } from './roles/node-http-proxy-server.js'
import { startRawUndiciProxy } from './roles/raw-undici-proxy.js'
import { startRedisKeeper } from './roles/redis-keeper.js'
import { startReplyFromProxy } from './roles/reply-from-proxy.js'
import { startUpstreamServer } from './roles/upstream-server.js'

function send(msg: ChildMessage): void {
  if (process.connected) process.send?.(msg)
}

function need(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`${what} is required for this role`)
  return value
}

async function startRole(spec: ChildSpec): Promise<RunningRole> {
  switch (spec.role) {
    case 'origin':
    case 'shadow':
      return await startUpstreamServer(spec.delayMs ?? 0, spec.mismatchEvery)
    case 'raw-undici':
      return await startRawUndiciProxy(need(spec.origin, 'origin'), spec.shadow)
    case 'node-http-proxy':
      return await startNodeHttpProxy(need(spec.origin, 'origin'))
    case 'reply-from':
      return await startReplyFromProxy(need(spec.origin, 'origin'))
    case 'shadowgate': {
      // Loaded on demand: only this role needs the gateway and its dependencies in memory.
      const { startShadowgateServer } = await import('./roles/shadowgate-server.js')
      return await startShadowgateServer(spec)
    }
    case 'redis':
      return await startRedisKeeper()
  }
}

function parseSpec(arg: string | undefined): ChildSpec {
  if (arg === undefined) throw new Error('usage: bench-child.js <spec JSON>')
  const spec = JSON.parse(arg) as ChildSpec
  if (!(CHILD_ROLES as readonly string[]).includes(spec.role)) throw new Error(`unknown role "${String(spec.role)}" (expected one of ${CHILD_ROLES.join(', ')})`)
  return spec
}

async function main(): Promise<void> {
  const spec = parseSpec(process.argv[2])
  const role = await startRole(spec)
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const timer = setTimeout(() => process.exit(1), 5_000)
      try {
        await role.close()
      } finally {
        clearTimeout(timer)
        process.exit(0)
      }
    })()
    return closing
  }
  process.on('message', (msg: ParentMessage) => {
    if (msg.type === 'close') void close()
    else if (msg.type === 'stats') {
      const own = (): ChildStats => {
        const cpu = process.cpuUsage()
        return { rssBytes: process.memoryUsage.rss(), cpuMicros: cpu.user + cpu.system, loopActiveMs: performance.eventLoopUtilization().active }
      }
      role.stats().then(
        (s) => send({ type: 'stats', id: msg.id, stats: { ...s, ...own() } }),
        () => send({ type: 'stats', id: msg.id, stats: own() }),
      )
    }
  })
  process.once('disconnect', () => void close())
  process.once('SIGTERM', () => void close())
  process.once('SIGINT', () => void close())
  send({ type: 'ready', port: role.port, url: role.url })
}

main().catch((err: unknown) => {
  const msg: ChildMessage = { type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }
  // Exit only once the message is out (or after 1 s), so the parent sees why the role failed.
  const timer = setTimeout(() => process.exit(1), 1_000)
  if (process.connected && process.send) {
    process.send(msg, () => {
      clearTimeout(timer)
      process.exit(1)
    })
  } else {
    process.stderr.write(`${msg.message}\n`)
    process.exit(1)
  }
})
