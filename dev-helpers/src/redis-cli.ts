import { execFile } from 'node:child_process'

const CLI_TIMEOUT_MS = 15_000

/** One `redis-cli` call against 127.0.0.1:`port`, bounded; rejects with its stderr. */
export function redisCli(port: number, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: CLI_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err) reject(new Error(`redis-cli -p ${port} ${args.join(' ')}: ${err.message} ${stderr}`))
      else resolve(stdout)
    })
  })
}

/** Whether the server answers the call as `expect` wants; false when it does not answer at all. For polling. */
export async function redisCliAnswers(port: number, args: readonly string[], expect: (out: string) => boolean): Promise<boolean> {
  try {
    return expect(await redisCli(port, args))
  } catch {
    return false
  }
}
