// Dev-only helpers shared by the tests and the benches: free ports, bounded waits, child processes,
// and real redis-server / influxd / victoria-metrics on free ports in temp dirs. Never published.
export { freePort } from './free-port.js'
export { waitFor } from './wait-for.js'
export { ManagedProcess, killAllManagedProcesses } from './managed-process.js'
export { startServer } from './http-server.js'
export type { TestServer, ReceivedRequest } from './http-server.js'
export { startRedis } from './redis-server.js'
export type { TestRedis } from './redis-server.js'
export { startInfluxd } from './influxd.js'
export type { TestInflux, InfluxSeries } from './influxd.js'
export { startVictoriaMetrics } from './victoria-metrics.js'
export type { TestVictoriaMetrics } from './victoria-metrics.js'
