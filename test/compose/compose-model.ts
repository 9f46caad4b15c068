import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface ComposeService {
  image?: string
  build?: { context: string; dockerfile: string }
  command?: string[]
  entrypoint?: string[]
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
  profiles?: string[]
  restart?: string
}

export interface ComposeFile {
  services: Record<string, ComposeService>
  volumes?: Record<string, unknown>
}

export function readRepoFile(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8')
}

/** docker-compose.yml as compose sees it: YAML merge keys (<<) applied. */
export function loadCompose(): ComposeFile {
  return parseYaml(readRepoFile('docker-compose.yml'), { merge: true }) as ComposeFile
}

/**
 * A compose value with `${NAME:-default}` resolved as compose does when NAME is not set in the
 * shell or an .env file (the state of a fresh checkout).
 */
export function resolveComposeValue(value: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_w, _name: string, def?: string) => def ?? '')
}

export function serviceEnv(service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, resolveComposeValue(String(v))]))
}

/** `./host:/container[:ro]` bind mounts; named volumes are left out. */
export function bindMounts(service: ComposeService): { host: string; container: string }[] {
  return (service.volumes ?? [])
    .filter((v) => v.startsWith('./'))
    .map((v) => {
      const [host = '', container = ''] = v.split(':')
      return { host: host.replace(/^\.\//, ''), container }
    })
}

/** `[host_ip:]host_port:container_port` mappings, `${NAME:-default}` resolved as on a fresh checkout. */
export function publishedPorts(service: ComposeService): { hostIp: string | undefined; host: number; container: number }[] {
  return (service.ports ?? []).map((p) => {
    const parts = resolveComposeValue(p).split(':')
    const container = Number(parts.at(-1))
    const host = Number(parts.at(-2))
    return { hostIp: parts.length === 3 ? parts[0] : undefined, host, container }
  })
}

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else if (/\.ts$/.test(name)) out.push(p)
  }
  return out
}

/** Environment variable names the packages' sources read through process.env. */
export function envNamesReadBySource(): Set<string> {
  const names = new Set<string>()
  for (const pkg of ['shared', 'audit-service', 'gateway']) {
    for (const file of walk(join(ROOT, pkg, 'src'), [])) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/process\.env(?:\.([A-Z_][A-Z0-9_]*)|\[\s*['"`]([A-Z_][A-Z0-9_]*)['"`]\s*\])/g)) names.add(m[1] ?? m[2] ?? '')
    }
  }
  return names
}

/** Every string value of a parsed YAML tree. */
export function stringValues(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(stringValues)
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringValues)
  return []
}

/** `${NAME}` references in values, with whether each has a `:-default`. */
export function envReferences(values: readonly string[]): { name: string; hasDefault: boolean }[] {
  return values.flatMap((v) => [...v.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)].map((m) => ({ name: m[1] ?? '', hasDefault: m[2] !== undefined })))
}

/** The node flags of `node [--flag ...] <script> ...` and the rest of the command from the script on. */
export function splitNodeCommand(command: readonly string[]): { flags: string[]; script: string[] } {
  let end = 1
  while (command[end]?.startsWith('--') === true) end++
  return { flags: command.slice(1, end), script: command.slice(end) }
}

/** For `node [--flag ...] <pkg>/dist/src/<path>.js ...`, the TypeScript source that builds it. */
export function sourceOfNodeScript(command: readonly string[] | undefined): string | undefined {
  if (!command || command[0] !== 'node') return undefined
  const script = splitNodeCommand(command).script[0] ?? ''
  const m = /^(shared|influx|audit-service|gateway|cli)\/dist\/(src\/.+)\.js$/.exec(script)
  return m ? `${m[1]}/${m[2]}.ts` : undefined
}
