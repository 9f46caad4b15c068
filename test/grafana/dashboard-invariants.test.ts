import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { describe, expect, it } from 'vitest'
import { allPanels, DATASOURCE_REF, GRAFANA_BUILTINS, GRAFANA_DIR, loadDashboards, referencedVariables, TIME_SERIES_PANEL_TYPES } from './grafana-dashboards.js'

interface DatasourceFile {
  datasources: { uid: string; type: string }[]
}

const provisioned = parseYaml(readFileSync(`${GRAFANA_DIR}provisioning/datasources/influxdb.yaml`, 'utf8')) as DatasourceFile
const DATASOURCE_UID = provisioned.datasources[0]?.uid ?? '(none)'
const dashboards = loadDashboards()

/** Alias patterns the InfluxDB datasource fills in per series. */
const ALIAS_PATTERN = /^(tag_[A-Za-z0-9_]+|col|m|measurement)$/

describe('Grafana dashboards', () => {
  it('exist, and the mirror-audit dashboard is among them', () => {
    expect(dashboards.length).toBeGreaterThan(0)
    const audit = dashboards.find((d) => d.dashboard.title === 'shadowgate — mirror audit')
    expect(audit?.dashboard.uid).toBe('shadowgate-mirror-audit')
  })

  it('have stable, unique uids and a current schemaVersion', () => {
    const uids = dashboards.map((d) => d.dashboard.uid)
    expect(new Set(uids).size).toBe(uids.length)
    for (const { file, dashboard } of dashboards) {
      expect(dashboard.uid, file).toMatch(/^[A-Za-z0-9_-]{1,40}$/)
      expect(dashboard.schemaVersion, file).toBeGreaterThanOrEqual(39)
      expect(dashboard.uid, file).toMatch(/^shadowgate-/)
    }
  })

  it.each(dashboards.map((d) => [d.file, d.dashboard] as const))('%s: panel ids are unique and panels do not overlap', (_file, dashboard) => {
    const panels = allPanels(dashboard)
    const ids = panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const p of panels) {
      expect(p.title.trim(), `panel ${p.id}`).not.toBe('')
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24)
    }
    for (const a of panels) {
      for (const b of panels) {
        if (a.id >= b.id) continue
        const overlap = a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h
        expect(overlap, `"${a.title}" overlaps "${b.title}"`).toBe(false)
      }
    }
  })

  it.each(dashboards.map((d) => [d.file, d.dashboard] as const))('%s: imports into any Grafana: a datasource variable (the provisioned one by default) that every panel, target and variable uses, and __inputs', (_file, dashboard) => {
    const ds = dashboard.templating.list.find((v) => v.name === 'datasource')
    expect(ds).toMatchObject({ type: 'datasource', query: 'influxdb' })
    expect(ds?.current?.value).toBe(DATASOURCE_UID)
    expect(dashboard.__inputs).toContainEqual(expect.objectContaining({ type: 'datasource', pluginId: 'influxdb' }))
    for (const p of allPanels(dashboard)) {
      if (p.type === 'row') continue
      expect(p.datasource, p.title).toEqual(DATASOURCE_REF)
      expect(p.targets?.length, p.title).toBeGreaterThan(0)
      for (const t of p.targets ?? []) expect(t.datasource, `${p.title} ${t.refId}`).toEqual(DATASOURCE_REF)
    }
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) expect(v.datasource, v.name).toEqual(DATASOURCE_REF)
  })

  it.each(dashboards.map((d) => [d.file, d.dashboard] as const))('%s: counts over time are rates (per second, the same at any zoom), and empty counts show 0', (_file, dashboard) => {
    for (const p of allPanels(dashboard)) {
      for (const t of p.targets ?? []) {
        const q = t.query ?? ''
        const counts = /^SELECT (sum|count)\(/.test(q)
        if (TIME_SERIES_PANEL_TYPES.has(p.type) && counts) expect(q, p.title).toMatch(/^SELECT (sum|count)\("[a-z_]+"\) \/ \$__interval_ms \* 1000 AS "[a-z_]+_per_s"/)
        // A table with no rows says so itself; a stat or a graph would show "No data" for a zero.
        if (counts && p.type !== 'table') expect(p.fieldConfig?.defaults?.noValue, `${p.title}: "no data" is 0 here`).toBe('0')
      }
    }
  })

  it.each(dashboards.map((d) => [d.file, d.dashboard] as const))('%s: every $variable used is defined or built in', (_file, dashboard) => {
    const defined = new Set(dashboard.templating.list.map((v) => v.name))
    for (const p of allPanels(dashboard)) {
      for (const t of p.targets ?? []) {
        for (const name of referencedVariables(t.query ?? '')) {
          expect(defined.has(name) || GRAFANA_BUILTINS.has(name), `"${p.title}" uses $${name}`).toBe(true)
        }
        for (const name of referencedVariables(t.alias ?? '')) {
          expect(defined.has(name) || ALIAS_PATTERN.test(name), `"${p.title}" alias uses $${name}`).toBe(true)
        }
      }
    }
  })

  it.each(dashboards.map((d) => [d.file, d.dashboard] as const))('%s: every query is raw InfluxQL filtered by $timeFilter, time series grouped by time($__interval)', (_file, dashboard) => {
    for (const p of allPanels(dashboard)) {
      for (const t of p.targets ?? []) {
        const q = t.query ?? ''
        expect(t.rawQuery, p.title).toBe(true)
        expect(q, p.title).toMatch(/^SELECT /)
        expect(q, p.title).toContain('$timeFilter')
        if (TIME_SERIES_PANEL_TYPES.has(p.type)) {
          expect(q, p.title).toMatch(/GROUP BY time\(\$__interval\)/)
          expect(t.resultFormat ?? 'time_series', p.title).toBe('time_series')
        }
        // A multi-value variable expands to a regex alternation, so it is only valid as =~ /^$name$/.
        for (const v of dashboard.templating.list.filter((x) => x.multi || x.includeAll)) {
          const uses = referencedVariables(q).includes(v.name) ? q.split(`$${v.name}`).length - 1 : 0
          const anchored = q.split(`=~ /^$${v.name}$/`).length - 1
          expect(anchored, `${p.title}: $${v.name} must be used as =~ /^$${v.name}$/`).toBe(uses)
        }
      }
    }
  })

  it.each(dashboards.map((d) => [d.file, d.dashboard] as const))('%s: annotation queries use the datasource variable (the provisioned one by default), raw InfluxQL and $timeFilter, and name their columns', (_file, dashboard) => {
    for (const a of dashboard.annotations.list.filter((x) => x.builtIn !== 1)) {
      expect(a.datasource, a.name).toEqual({ type: 'influxdb', uid: '${datasource}' })
      expect(a.rawQuery, a.name).toBe(true)
      expect(a.query ?? '', a.name).toMatch(/^SELECT .*\$timeFilter/)
      for (const column of [a.textColumn, a.titleColumn, ...(a.tagsColumn ?? '').split(',')]) {
        if (column) expect(a.query ?? '', `${a.name}: ${column}`).toContain(`"${column}"`)
      }
    }
  })

  it('the mirror-audit dashboard has a multi-value route variable from the audit measurement and the panels a wall screen needs', () => {
    const d = dashboards.find((x) => x.dashboard.uid === 'shadowgate-mirror-audit')?.dashboard
    if (!d) throw new Error('mirror-audit dashboard missing')
    const route = d.templating.list.find((v) => v.name === 'route')
    expect(route).toMatchObject({ type: 'query', multi: true, includeAll: true })
    const query = typeof route?.query === 'string' ? route.query : route?.query?.query
    expect(query).toBe('SHOW TAG VALUES FROM "shadowgate_audit" WITH KEY = "route"')
    const byType = (type: string): string[] => allPanels(d).filter((p) => p.type === type).map((p) => p.title)
    expect(byType('stat')).toContain('Mismatch rate now (judged pairs), per route')
    expect(byType('timeseries')).toContain('Unjudged rate per route')
    expect(byType('table')).toContain('Top differing field paths (pairs, elements)')
    const queries = allPanels(d).flatMap((p) => (p.targets ?? []).map((t) => t.query ?? ''))
    expect(byType('state-timeline')).toContain('Migration stage per route')
    expect(d.annotations.list.map((a) => a.name)).toEqual(expect.arrayContaining(['Stage changes', 'Load tests']))
    expect(byType('table')).toContain('Gate decisions per route')
    for (const measurement of ['shadowgate_audit', 'shadowgate_field_diff', 'shadowgate_gateway', 'shadowgate_stage', 'shadowgate_replay', 'shadowgate_replay_audit', 'shadowgate_gate']) {
      expect(queries.some((q) => q.includes(`FROM "${measurement}"`)), measurement).toBe(true)
    }
    expect(queries.some((q) => q.includes('percentile("primary_ms", 99)') && q.includes('percentile("shadow_ms", 99)'))).toBe(true)
  })

  it('counts audit points by "judged" (on every point, schema 2), never by "mismatch" (only on judged pairs)', () => {
    for (const { file, dashboard } of dashboards) {
      for (const p of allPanels(dashboard)) {
        for (const t of p.targets ?? []) expect(t.query ?? '', `${file}: ${p.title}`).not.toMatch(/count\("mismatch"\)|sum\("count"\)[^]*shadowgate_field_diff/)
      }
    }
  })
})
