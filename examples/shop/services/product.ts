// product: reads products through a fake cache (redis) in front of a fake database (postgresql),
// each a CLIENT span with db.* attributes. Logs go to stdout as JSON lines, for the shipper.
import { SpanKind, type Tracer } from '@opentelemetry/api';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError } from '../lib/http.js';
import { runService } from '../lib/service.js';

interface Product {
  id: number;
  name: string;
  price_cents: number;
}

const CATALOGUE = ['kettle', 'teapot', 'mug', 'grinder', 'scale', 'filter', 'tin', 'spoon'];
const CACHE_TTL_MS = 5_000;
const cache = new Map<number, { product: Product; expires: number }>();

function cacheGet(tracer: Tracer, id: number): Product | undefined {
  const span = tracer.startSpan('cache get', {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system': 'redis', 'db.operation': 'GET', 'db.statement': `GET product:${id}`, 'server.address': 'cache' },
  });
  const entry = cache.get(id);
  const hit = entry !== undefined && entry.expires > Date.now();
  span.setAttribute('cache.hit', hit);
  span.end();
  return hit ? entry.product : undefined;
}

async function selectProduct(tracer: Tracer, id: number): Promise<Product | undefined> {
  return tracer.startActiveSpan('SELECT products', {
    kind: SpanKind.CLIENT,
    attributes: {
      'db.system': 'postgresql',
      'db.name': 'shop',
      'db.operation': 'SELECT',
      'db.sql.table': 'products',
      'db.statement': 'SELECT id, name, price_cents FROM products WHERE id = $1',
      'server.address': 'db',
    },
  }, async (span) => {
    await sleep(2 + Math.random() * 8);
    span.end();
    const name = CATALOGUE[id - 1];
    return name === undefined ? undefined : { id, name, price_cents: 500 + id * 250 };
  });
}

await runService({
  name: 'product',
  logs: 'stdout',
  routes: ({ tracer, log, faults }) => [
    {
      method: 'GET',
      pattern: '/products/:id',
      async handler({ params }) {
        const id = Number(params.id);
        if ((faults.latency_ms ?? 0) > 0) await sleep(faults.latency_ms);
        let product = cacheGet(tracer, id);
        if (product === undefined) {
          log.log('info', `cache miss for product ${params.id ?? ''}`, { product_id: params.id });
          product = await selectProduct(tracer, id);
          if (product === undefined) throw new HttpError(404, `product ${params.id ?? ''} not found`);
          cache.set(id, { product, expires: Date.now() + CACHE_TTL_MS });
        }
        return { body: product };
      },
    },
  ],
});
