import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { describe, expect, it } from 'vitest'
import { AUDIT_WORKER_NODE_FLAGS } from '@shadowgate/audit-service/cli'
import {
  bindMounts,
  envNamesReadBySource,
  envReferences,
  loadCompose,
  publishedPorts,
  readRepoFile,
  resolveComposeValue,
  ROOT,
  serviceEnv,
  sourceOfNodeScript,
  splitNodeCommand,
  stringValues,
  type ComposeService,
} from './compose-model.js'

const compose = loadCompose()
const services = compose.services
const CONFIG_MOUNT = '/etc/shadowgate/shadowgate.yaml'
const ONE_SHOT = new Set(['influxdb-init'])

function service(name: string): ComposeService {
  const s = services[name]
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`)
  return s
}

/** The repo file mounted at CONFIG_MOUNT in a service. */
function mountedConfig(name: string): string {
  const m = bindMounts(service(name)).find((b) => b.container === CONFIG_MOUNT)
  if (!m) throw new Error(`${name} does not mount a config at ${CONFIG_MOUNT}`)
  return m.host
}

describe('docker-compose.yml', () => {
  it('has the whole stack, with the load driver only in the load profile', () => {
    expect(Object.keys(services).sort()).toEqual(['audit-service', 'catalog-v1', 'catalog-v2', 'gateway', 'grafana', 'influxdb', 'influxdb-init', 'load', 'redis'])
    for (const [name, s] of Object.entries(services)) {
      if (name === 'load') expect(s.profiles).toEqual(['load'])
      else expect(s.profiles, name).toBeUndefined()
    }
  })

  it('pins every public image to a minor version and builds the local ones from a Dockerfile in the repo', () => {
    let pinned = 0
    for (const [name, s] of Object.entries(services)) {
      const image = s.image ?? ''
      if (s.build) {
        expect(s.build.context, name).toBe('.')
        expect(existsSync(join(ROOT, s.build.dockerfile)), `${name}: ${s.build.dockerfile}`).toBe(true)
        expect(image, name).toMatch(/^shadowgate-[a-z]+:local$/)
      } else {
        // major.minor at least: a major-only tag moves to new minors (new defaults) on every pull.
        expect(image, name).toMatch(/^[a-z0-9/._-]+:\d+\.\d+(\.\d+)?$/)
        pinned++
      }
    }
    expect(pinned).toBeGreaterThanOrEqual(4)
    expect(service('redis').image).toBe('redis:7.4')
    expect(service('influxdb').image).toBe('influxdb:2.7')
    expect(service('influxdb-init').image).toBe(service('influxdb').image)
  })

  it('publishes Grafana, InfluxDB and the sample apps on 127.0.0.1 unless PUBLISH_HOST says otherwise', () => {
    const local = ['grafana', 'influxdb', 'catalog-v1', 'catalog-v2']
    for (const name of local) {
      const ports = publishedPorts(service(name))
      expect(ports.length, name).toBeGreaterThan(0)
      for (const p of ports) expect({ name, hostIp: p.hostIp }).toEqual({ name, hostIp: '127.0.0.1' })
      for (const raw of service(name).ports ?? []) expect(raw, name).toMatch(/^\$\{PUBLISH_HOST:-127\.0\.0\.1\}:/)
    }
    // Every published port is either loopback or the gateway's traffic port.
    const open = Object.entries(services).flatMap(([name, s]) => publishedPorts(s).filter((p) => p.hostIp !== '127.0.0.1').map((p) => `${name}:${p.host}`))
    expect(open).toEqual(['gateway:8080'])
  })

  it('starts the gateway once both sample apps are healthy', () => {
    const deps = service('gateway').depends_on ?? {}
    expect(deps).toEqual({ 'catalog-v1': { condition: 'service_healthy' }, 'catalog-v2': { condition: 'service_healthy' } })
    for (const name of Object.keys(deps)) expect(service(name).healthcheck?.test.length, name).toBeGreaterThan(1)
  })

  it('runs Redis without eviction and with an append-only file, so queued audit jobs are not lost', () => {
    const cmd = service('redis').command ?? []
    expect(cmd[0]).toBe('redis-server')
    expect(cmd.join(' ')).toContain('--maxmemory-policy noeviction')
    expect(cmd.join(' ')).toContain('--appendonly yes')
  })

  it('gives every long-running service a healthcheck', () => {
    const longRunning = Object.entries(services).filter(([name]) => !ONE_SHOT.has(name) && name !== 'load')
    expect(longRunning.length).toBeGreaterThanOrEqual(7)
    for (const [name, s] of longRunning) {
      expect(s.healthcheck?.test?.length, name).toBeGreaterThan(1)
      expect(['CMD', 'CMD-SHELL'], name).toContain(s.healthcheck?.test[0])
    }
  })

  it('starts the gateway without waiting for Redis, InfluxDB or the worker', () => {
    const deps = Object.keys(service('gateway').depends_on ?? {})
    for (const d of ['redis', 'influxdb', 'influxdb-init', 'audit-service']) expect(deps, d).not.toContain(d)
  })

  it('mounts only paths that exist in the repository', () => {
    const mounts = Object.entries(services).flatMap(([name, s]) => bindMounts(s).map((m) => ({ name, m })))
    expect(mounts.length).toBeGreaterThan(0)
    for (const { name, m } of mounts) expect(existsSync(join(ROOT, m.host)), `${name}: ./${m.host}`).toBe(true)
  })

  it('declares every named volume it uses', () => {
    const named = Object.entries(services).flatMap(([name, s]) => (s.volumes ?? []).filter((x) => !x.startsWith('./')).map((v) => ({ name, v })))
    expect(named.length).toBeGreaterThan(0)
    for (const { name, v } of named) expect(Object.keys(compose.volumes ?? {}), `${name}: ${v}`).toContain(v.split(':')[0])
  })

  it('provisions Grafana from the repo: datasource, dashboards where the provider looks, the mirror-audit dashboard as home, anonymous viewers', () => {
    const g = service('grafana')
    const mounts = bindMounts(g)
    expect(mounts).toContainEqual({ host: 'grafana/provisioning', container: '/etc/grafana/provisioning' })
    const provider = parseYaml(readRepoFile('grafana/provisioning/dashboards/shadowgate.yaml')) as { providers: { options: { path: string } }[] }
    const providerPath = provider.providers[0]?.options.path ?? ''
    const dashboardsMount = mounts.find((m) => m.container === providerPath)
    expect(dashboardsMount?.host).toBe('grafana/dashboards')
    const env = serviceEnv(g)
    const home = env['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH'] ?? ''
    expect(home.startsWith(`${providerPath}/`)).toBe(true)
    const homeFile = join(ROOT, 'grafana/dashboards', home.slice(providerPath.length + 1))
    expect(statSync(homeFile).isFile()).toBe(true)
    expect((JSON.parse(readRepoFile(homeFile.slice(ROOT.length))) as { uid: string }).uid).toBe('shadowgate-mirror-audit')
    expect(env['GF_AUTH_ANONYMOUS_ENABLED']).toBe('true')
    expect(env['GF_AUTH_ANONYMOUS_ORG_ROLE']).toBe('Viewer')
    expect(publishedPorts(g)).toContainEqual({ hostIp: '127.0.0.1', host: 3000, container: 3000 })
  })

  it('sets on Grafana every environment variable its provisioning files refer to', () => {
    const env = serviceEnv(service('grafana'))
    const files = ['grafana/provisioning/datasources/influxdb.yaml', 'grafana/provisioning/dashboards/shadowgate.yaml']
    const refs = files.flatMap((f) => envReferences(stringValues(parseYaml(readRepoFile(f)))).map((ref) => ({ f, ref })))
    // The datasource reads INFLUX_URL, INFLUX_TOKEN, INFLUX_BUCKET: a loop over nothing would prove nothing.
    expect(refs.length).toBeGreaterThanOrEqual(3)
    for (const { f, ref } of refs) expect(env[ref.name], `${f} uses \${${ref.name}}`).toBeTruthy()
  })

  it('creates the InfluxDB 2 org, bucket and token the gateway, worker and Grafana use, and maps the bucket for InfluxQL', () => {
    const influx = serviceEnv(service('influxdb'))
    expect(influx['DOCKER_INFLUXDB_INIT_MODE']).toBe('setup')
    const init = service('influxdb-init')
    expect(init.image).toBe(service('influxdb').image)
    expect(init.entrypoint).toEqual(['sh', '/influxdb-init/create-dbrp.sh'])
    expect(bindMounts(init)).toContainEqual({ host: 'grafana/influxdb-init', container: '/influxdb-init' })
    expect(init.depends_on?.['influxdb']?.condition).toBe('service_healthy')
    expect(service('grafana').depends_on?.['influxdb-init']?.condition).toBe('service_completed_successfully')
    const initEnv = serviceEnv(init)
    for (const consumer of ['gateway', 'audit-service', 'influxdb-init']) {
      const env = serviceEnv(service(consumer))
      expect(env['INFLUX_ORG'], consumer).toBe(influx['DOCKER_INFLUXDB_INIT_ORG'])
      expect(env['INFLUX_BUCKET'], consumer).toBe(influx['DOCKER_INFLUXDB_INIT_BUCKET'])
      expect(env['INFLUX_TOKEN'], consumer).toBe(influx['DOCKER_INFLUXDB_INIT_ADMIN_TOKEN'])
    }
    const grafana = serviceEnv(service('grafana'))
    expect(grafana['INFLUX_TOKEN']).toBe(influx['DOCKER_INFLUXDB_INIT_ADMIN_TOKEN'])
    expect(grafana['INFLUX_BUCKET']).toBe(influx['DOCKER_INFLUXDB_INIT_BUCKET'])
    for (const env of [grafana, initEnv, serviceEnv(service('gateway'))]) expect(env['INFLUX_URL'] ?? env['INFLUX_HOST']).toBe('http://influxdb:8086')
  })

  it('gives the gateway and the worker every variable their config refers to, and nothing the code does not read', () => {
    const readBySource = envNamesReadBySource()
    for (const name of ['gateway', 'audit-service']) {
      const s = service(name)
      const configPath = mountedConfig(name)
      const refs = envReferences(stringValues(parseYaml(readRepoFile(configPath))))
      expect(refs.length, configPath).toBeGreaterThan(0)
      const env = serviceEnv(s)
      for (const ref of refs) {
        if (!ref.hasDefault) expect(env[ref.name], `${name}: ${configPath} needs \${${ref.name}}`).toBeTruthy()
      }
      const known = new Set([...refs.map((r) => r.name), ...readBySource, 'NODE_ENV', 'NODE_OPTIONS'])
      for (const k of Object.keys(env)) expect(known.has(k), `${name} sets ${k}, which neither the config nor the code reads`).toBe(true)
    }
    expect(mountedConfig('gateway')).toBe(mountedConfig('audit-service'))
  })

  it('publishes the gateway port, and the admin port on loopback only, as the config declares them', () => {
    const config = parseYaml(readRepoFile(mountedConfig('gateway'))) as { listen: { port: number }; admin: { port: number } }
    const ports = publishedPorts(service('gateway'))
    expect(ports).toContainEqual({ hostIp: undefined, host: config.listen.port, container: config.listen.port })
    expect(ports).toContainEqual({ hostIp: '127.0.0.1', host: config.admin.port, container: config.admin.port })
    // Readiness comes from the admin API, which answers /readyz without a token.
    expect(service('gateway').healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${config.admin.port}/readyz`)
    const worker = parseYaml(readRepoFile(mountedConfig('audit-service'))) as { worker: { http: { port: number } } }
    expect(service('audit-service').healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${worker.worker.http.port}/healthz`)
  })

  it('runs the sample catalog apps from the CLI image on the port the gateway is pointed at', () => {
    const env = serviceEnv(service('gateway'))
    for (const [name, variant, upstream] of [
      ['catalog-v1', 'v1', env['PRIMARY_URL']],
      ['catalog-v2', 'v2', env['SHADOW_URL']],
    ] as const) {
      const s = service(name)
      expect(s.image).toBe('shadowgate-cli:local')
      const cmd = s.command ?? []
      expect(cmd.slice(0, 2)).toEqual(['node', 'cli/dist/src/demo/sample-catalog-app.js'])
      expect(cmd[cmd.indexOf('--variant') + 1]).toBe(variant)
      const port = cmd[cmd.indexOf('--port') + 1]
      expect(upstream).toBe(`http://${name}:${port}`)
      expect(s.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${port}/health`)
      expect(publishedPorts(s).map((p) => p.container)).toEqual([Number(port)])
    }
    const load = service('load').command ?? []
    expect(load.slice(0, 2)).toEqual(['node', 'cli/dist/src/demo/sample-load.js'])
    expect(resolveComposeValue(load[load.indexOf('--target') + 1] ?? '')).toBe('http://gateway:8080')
  })

  it('runs scripts that the TypeScript build produces, with the commands their CLIs define', () => {
    const nodeServices = Object.entries(services).filter(([, s]) => s.command?.[0] === 'node')
    expect(nodeServices.map(([name]) => name).sort()).toEqual(['audit-service', 'catalog-v1', 'catalog-v2', 'gateway', 'load'])
    for (const [name, s] of nodeServices) {
      const src = sourceOfNodeScript(s.command)
      if (s.command?.[0] !== 'node') continue
      expect(src, `${name}: ${s.command.join(' ')}`).toBeDefined()
      expect(existsSync(join(ROOT, src ?? '')), `${name} runs ${s.command.join(' ')}, built from ${src}`).toBe(true)
    }
    const gateway = splitNodeCommand(service('gateway').command ?? [])
    const worker = splitNodeCommand(service('audit-service').command ?? [])
    expect(gateway.script.slice(0, 2)).toEqual(['gateway/dist/src/cli/main.js', 'gateway'])
    expect(worker.script.slice(0, 2)).toEqual(['audit-service/dist/src/cli/main.js', 'audit'])
    // As the images run them: the worker with the node flags its memory figures were measured with.
    expect(gateway.flags).toEqual([])
    expect(worker.flags).toEqual([...AUDIT_WORKER_NODE_FLAGS])
    for (const name of ['gateway', 'audit-service']) {
      const cmd = service(name).command ?? []
      expect(cmd[cmd.indexOf('--config') + 1], name).toBe(CONFIG_MOUNT)
    }
  })
})
