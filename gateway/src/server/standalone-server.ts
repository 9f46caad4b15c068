import type { Logger } from 'pino'
import type { ShadowgateConfig } from '@shadowgate/shared'
import { createGatewayService } from './gateway-service.js'
import { gracefulShutdown } from './graceful-shutdown.js'

/** Server entry for one process: listens, then drains on SIGTERM/SIGINT. Resolves with the exit code. */
export async function runStandaloneServer(config: ShadowgateConfig, opts: { logger: Logger }): Promise<number> {
  const { logger } = opts
  const service = await createGatewayService(config, { logger })
  const shutdown = gracefulShutdown({ logger, close: () => service.close() })
  try {
    const addr = await service.listen()
    logger.info({ traffic: addr.traffic, admin: addr.admin ?? 'disabled', instance: service.instanceId }, 'shadowgate gateway listening')
  } catch (err) {
    logger.error({ err }, 'could not start listening')
    shutdown.trigger('start-up failed')
    await shutdown.done
    return 1
  }
  return await shutdown.done
}
