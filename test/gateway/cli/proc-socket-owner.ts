import { readFileSync, readdirSync, readlinkSync } from 'node:fs'

/** Socket inodes of the TCP connections whose local port is `localPort` and remote port `remotePort` (Linux /proc). */
function inodesOf(localPort: number, remotePort: number): Set<string> {
  const found = new Set<string>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = ''
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      const local = cols[1]?.split(':')[1]
      const remote = cols[2]?.split(':')[1]
      if (local === undefined || remote === undefined) continue
      if (Number.parseInt(local, 16) === localPort && Number.parseInt(remote, 16) === remotePort && cols[9]) found.add(cols[9])
    }
  }
  return found
}

/**
 * Which of `pids` owns the client end of a connection to a local server, given the client's port
 * (as the server saw it) and the server's port: how a test tells which cluster worker forwarded a
 * request. Undefined when no listed process holds that socket (any more).
 */
export function socketOwner(pids: readonly number[], clientPort: number, serverPort: number): number | undefined {
  const inodes = inodesOf(clientPort, serverPort)
  if (inodes.size === 0) return undefined
  for (const pid of pids) {
    let fds: string[] = []
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
        if (m?.[1] !== undefined && inodes.has(m[1])) return pid
      } catch {
        // The fd closed while listing: not the one we look for.
      }
    }
  }
  return undefined
}
