import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A temp dir for config files; remove() deletes it. */
export async function configDir(): Promise<{ write(name: string, yaml: string): Promise<string>; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-cli-'))
  return {
    async write(name, yaml) {
      const path = join(dir, name)
      await writeFile(path, yaml)
      return path
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}
