import type { Server } from 'node:http'

/** Listens on 127.0.0.1 and a kernel-chosen port; the bench never targets anything else. */
export async function listenLocal(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const addr = server.address()
  if (addr === null || typeof addr === 'string') throw new Error('server has no TCP address')
  return addr.port
}

/** Closes a server and its idle and active sockets, so close() cannot wait on a client's keep-alive. */
export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeAllConnections()
  await closed
}
