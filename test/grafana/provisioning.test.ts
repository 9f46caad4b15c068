import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readdirSync, readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { describe, expect, it } from 'vitest'
import { GRAFANA_DIR, loadDashboards } from './grafana-dashboards.js'

interface ProvisionedDatasource {
  name: string
  uid: string
  type: string
  access: string
  url: string
  user?: string
  jsonData: Record<string, unknown>
  secureJsonData?: Record<string, unknown>
}

function datasources(path: string): ProvisionedDatasource[] {
  const doc = parseYaml(readFileSync(path, 'utf8')) as { apiVersion: number; datasources: ProvisionedDatasource[] }
  expect(doc.apiVersion, path).toBe(1)
  return doc.datasources
}

const MAIN = `${GRAFANA_DIR}provisioning/datasources/influxdb.yaml`
const SCRIPT = `${GRAFANA_DIR}influxdb-init/create-dbrp.sh`
const EXAMPLES = readdirSync(`${GRAFANA_DIR}examples`)
  .filter((f) => /^datasource-.*\.yaml$/.test(f))
  .map((f) => `${GRAFANA_DIR}examples/${f}`)

describe('Grafana provisioning', () => {
  it('provisions one InfluxQL datasource for InfluxDB 2 with a pinned uid, the bucket as database and a token header', () => {
    const [ds, ...rest] = datasources(MAIN)
    expect(rest).toEqual([])
    expect(ds).toMatchObject({ uid: 'shadowgate-influxdb', type: 'influxdb', access: 'proxy', url: '${INFLUX_URL}' })
    expect(ds?.jsonData).toMatchObject({ version: 'InfluxQL', dbName: '${INFLUX_BUCKET}', httpHeaderName1: 'Authorization' })
    expect(ds?.secureJsonData).toEqual({ httpHeaderValue1: 'Token ${INFLUX_TOKEN}' })
  })

  it('documents InfluxDB 1.x and 3.x variants that keep the same uid, so dashboards work unchanged', () => {
    const byVersion = Object.fromEntries(EXAMPLES.map((p) => [p.replace(/^.*datasource-(.*)\.yaml$/, '$1'), datasources(p)[0]]))
    expect(Object.keys(byVersion).sort()).toEqual(['influxdb1', 'influxdb3'])
    for (const ds of Object.values(byVersion)) {
      expect(ds).toMatchObject({ uid: 'shadowgate-influxdb', type: 'influxdb', access: 'proxy' })
      expect(ds?.jsonData['version']).toBe('InfluxQL')
      expect(typeof ds?.jsonData['dbName']).toBe('string')
    }
    expect(byVersion['influxdb1']?.user).toBeDefined()
    expect(byVersion['influxdb1']?.secureJsonData).toHaveProperty('password')
    expect(byVersion['influxdb3']?.jsonData['httpHeaderName1']).toBe('Authorization')
    expect(byVersion['influxdb3']?.secureJsonData?.['httpHeaderValue1']).toMatch(/^Token \$\{INFLUX_TOKEN\}$/)
  })

  it('loads the dashboards folder through a file provider', () => {
    const doc = parseYaml(readFileSync(`${GRAFANA_DIR}provisioning/dashboards/shadowgate.yaml`, 'utf8')) as { apiVersion: number; providers: { type: string; options: { path: string } }[] }
    expect(doc.apiVersion).toBe(1)
    expect(doc.providers).toHaveLength(1)
    expect(doc.providers[0]).toMatchObject({ type: 'file', options: { path: expect.stringMatching(/^\/etc\/grafana\/dashboards\//) } })
    expect(loadDashboards().length).toBeGreaterThan(0)
  })

  it('maps the InfluxQL database to the bucket idempotently on InfluxDB 2', () => {
    const script = readFileSync(SCRIPT, 'utf8')
    expect(script.startsWith('#!/bin/sh\n')).toBe(true)
    expect(script).toContain('set -eu')
  })

  // No InfluxDB 2 server runs here, so the script is checked for syntax and for the exact influx CLI
  // calls it makes; it runs for real in the compose stack's influxdb-init service.
  it('create-dbrp.sh parses as POSIX sh and maps database=bucket, rp autogen, idempotently', async () => {
    const child = spawn('sh', ['-n', SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const [code] = (await once(child, 'exit')) as [number | null]
    expect(code, err).toBe(0)
    const script = readFileSync(SCRIPT, 'utf8')
    expect(script).toContain('influx v1 dbrp list --db "$INFLUX_BUCKET" --hide-headers')
    expect(script).toContain('influx v1 dbrp create --db "$INFLUX_BUCKET" --rp autogen --bucket-id "$bucket_id" --default')
    for (const v of ['INFLUX_HOST', 'INFLUX_TOKEN', 'INFLUX_ORG', 'INFLUX_BUCKET']) expect(script).toContain(`\${${v}:?`)
  })
})
