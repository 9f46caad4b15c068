import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { pino } from 'pino'
import { InvalidSettingError } from '@shadowgate/gateway'
import { isEntryPoint } from './sample-entry-point.js'
import { SAMPLE_PRODUCTS, SAMPLE_VARIANTS, sampleCategoryOrder, samplePrice, type SampleProduct, type SampleVariant } from './sample-catalog-data.js'

export interface SampleCatalogAppOptions {
  /** `v1` plays the primary, `v2` the shadow with its deliberate differences. */
  readonly variant: SampleVariant
  /** Every Nth GET /search answers 500; 0 never fails. Default: 5 for v2, 0 for v1. */
  readonly failEvery?: number
  /** A pino logger; default: no logging. */
  readonly logger?: FastifyBaseLogger
}

/** Default failure period of v2's /search: frequent enough to show on a dashboard within a minute. */
export const SAMPLE_V2_FAIL_EVERY = 5

interface OrderBody {
  readonly productId?: unknown
  readonly quantity?: unknown
}

function checkOptions(opts: SampleCatalogAppOptions): { variant: SampleVariant; failEvery: number } {
  if (!SAMPLE_VARIANTS.includes(opts.variant)) throw new InvalidSettingError(`variant must be "v1" or "v2" (got ${JSON.stringify(opts.variant)})`)
  const failEvery = opts.failEvery ?? (opts.variant === 'v2' ? SAMPLE_V2_FAIL_EVERY : 0)
  if (!Number.isInteger(failEvery) || failEvery < 0) throw new InvalidSettingError(`failEvery must be a whole number of 0 or more (got ${String(opts.failEvery)})`)
  return { variant: opts.variant, failEvery }
}

function acceptsGzip(req: FastifyRequest): boolean {
  const header = req.headers['accept-encoding']
  const value = Array.isArray(header) ? header.join(',') : (header ?? '')
  return value.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';')
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    return (coding === 'gzip' || coding === '*') && (q === undefined || Number(q.slice(2)) > 0)
  })
}

/**
 * A small catalog API used as the primary (v1) and the shadow (v2) of the demo. v2 differs on
 * purpose: prices rounded to tenths, `name` renamed to `title` on GET /products/:id, categories
 * sorted by name instead of id, and every Nth /search failing with 500. Both variants add a fresh
 * `generatedAt` and `requestId` to every body (noise the demo config ignores) and gzip GET /products
 * for clients that accept it. Returns the app; the caller listens.
 */
export function buildSampleCatalogApp(options: SampleCatalogAppOptions): FastifyInstance {
  const { variant, failEvery } = checkOptions(options)
  const app = Fastify(options.logger ? { loggerInstance: options.logger } : { logger: false })
  let searches = 0

  const volatile = (): { generatedAt: string; requestId: string } => ({ generatedAt: new Date().toISOString(), requestId: randomUUID() })
  const listItem = (p: SampleProduct): Record<string, unknown> => ({
    id: p.id,
    name: p.name,
    categoryId: p.categoryId,
    price: samplePrice(variant, p.priceMilli),
    inStock: p.stock > 0,
  })
  const detail = (p: SampleProduct): Record<string, unknown> => {
    const { name, ...rest } = listItem(p)
    // The renamed field: v2 calls the product's name `title` on this endpoint only.
    return { ...rest, ...(variant === 'v1' ? { name } : { title: name }), stock: p.stock, tags: p.tags }
  }
  const notFound = (reply: FastifyReply, id: unknown): FastifyReply => reply.code(404).send({ error: 'product not found', id, ...volatile() })

  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-catalog-variant', variant)
  })

  app.get('/health', async () => ({ status: 'ok', variant, ...volatile() }))

  app.get<{ Querystring: { category?: string } }>('/products', async (req, reply) => {
    const category = req.query.category === undefined ? undefined : Number(req.query.category)
    const items = SAMPLE_PRODUCTS.filter((p) => category === undefined || p.categoryId === category).map(listItem)
    const body = { items, total: items.length, ...volatile() }
    if (!acceptsGzip(req)) return body
    reply.header('content-type', 'application/json; charset=utf-8').header('content-encoding', 'gzip').header('vary', 'accept-encoding')
    return reply.send(gzipSync(JSON.stringify(body)))
  })

  app.get<{ Params: { id: string } }>('/products/:id', async (req, reply) => {
    const id = Number(req.params.id)
    if (!Number.isInteger(id) || id <= 0) return reply.code(400).send({ error: 'product id must be a positive whole number', id: req.params.id, ...volatile() })
    const product = SAMPLE_PRODUCTS.find((p) => p.id === id)
    return product ? { ...detail(product), ...volatile() } : notFound(reply, id)
  })

  app.get('/categories', async () => {
    const categories = sampleCategoryOrder(variant).map((c) => ({ ...c, productCount: SAMPLE_PRODUCTS.filter((p) => p.categoryId === c.id).length }))
    return { categories, ...volatile() }
  })

  app.get<{ Querystring: { q?: string } }>('/search', async (req, reply) => {
    searches++
    if (failEvery > 0 && searches % failEvery === 0) return reply.code(500).send({ error: 'search index unavailable', ...volatile() })
    const q = (req.query.q ?? '').trim().toLowerCase()
    const results = q === '' ? [] : SAMPLE_PRODUCTS.filter((p) => p.name.toLowerCase().includes(q) || p.tags.includes(q)).map((p) => ({ id: p.id, name: p.name, price: samplePrice(variant, p.priceMilli) }))
    return { query: q, results, total: results.length, ...volatile() }
  })

  app.post<{ Body: OrderBody | undefined }>('/orders', async (req, reply) => {
    const body = req.body
    const productId = body?.productId
    const quantity = body?.quantity
    if (typeof productId !== 'number' || !Number.isInteger(productId)) return reply.code(400).send({ error: 'productId must be a whole number', ...volatile() })
    if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > 100) {
      return reply.code(400).send({ error: 'quantity must be a whole number from 1 to 100', ...volatile() })
    }
    const product = SAMPLE_PRODUCTS.find((p) => p.id === productId)
    if (!product) return notFound(reply, productId)
    if (product.stock < quantity) return reply.code(409).send({ error: 'not enough stock', productId, available: product.stock, ...volatile() })
    const unitPrice = samplePrice(variant, product.priceMilli)
    // The order id depends only on the order, so primary and shadow agree on it.
    const order = { id: `ord-${productId}-${quantity}`, productId, quantity, unitPrice, total: Math.round(unitPrice * quantity * 100) / 100, status: 'accepted' }
    return reply.code(201).send({ order, ...volatile() })
  })

  return app
}

const USAGE = 'usage: sample-catalog-app --variant v1|v2 [--port 3000] [--host 0.0.0.0] [--fail-every N]'

async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      variant: { type: 'string', default: 'v1' },
      port: { type: 'string', default: '3000' },
      host: { type: 'string', default: '0.0.0.0' },
      'fail-every': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidSettingError(`--port must be a whole number from 0 to 65535 (got "${values.port}")`)
  const failEvery = values['fail-every'] === undefined ? undefined : Number(values['fail-every'])
  const logger = pino({ name: `catalog-${values.variant}` })
  const app = buildSampleCatalogApp({ variant: values.variant as SampleVariant, ...(failEvery === undefined ? {} : { failEvery }), logger })
  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    logger.info({ signal }, 'shutting down')
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))
  await app.listen({ port, host: values.host })
}


if (isEntryPoint(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`sample-catalog-app: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`)
    process.exit(2)
  })
}
