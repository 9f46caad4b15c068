import { Pool } from 'undici'

/**
 * Sends exactly `count` GET requests for `path` to `url` over `connections` keep-alive connections, each
 * connection one request at a time, reading every body. Counts answers that were not 2xx and
 * requests that failed, so a broken target shows up instead of looking cheap.
 */
export async function sendFixedCount(url: string, path: string, count: number, connections: number): Promise<{ readonly failed: number }> {
  const pool = new Pool(url, { connections })
  let left = count
  let failed = 0
  const lane = async (): Promise<void> => {
    while (left > 0) {
      left--
      try {
        const res = await pool.request({ path, method: 'GET' })
        await res.body.dump()
        if (res.statusCode < 200 || res.statusCode > 299) failed++
      } catch {
        failed++
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: connections }, lane))
  } finally {
    await pool.close()
  }
  return { failed }
}
