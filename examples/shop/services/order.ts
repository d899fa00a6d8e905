// order: places an order by calling user, product (1-3 items) and payment in turn, each a CLIENT
// span carrying the trace context. A peer's 5xx fails the order with 502. Logs go to Braid as
// OTLP logs (BRAID_OTLP_HTTP).
import { HttpError, callPeer, type PeerReply } from '../lib/http.js';
import { runService, ServiceEnvError } from '../lib/service.js';

interface OrderRequest {
  user_id: number;
  product_ids: number[];
}

function randomInt(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

/** The body may name the user and products; whatever it leaves out is picked at random. */
function orderRequest(body: unknown): OrderRequest {
  const value = (body ?? {}) as Record<string, unknown>;
  const user = value.user_id ?? randomInt(1, 100);
  const products = value.product_ids ?? Array.from({ length: randomInt(1, 3) }, () => randomInt(1, 8));
  if (typeof user !== 'number') throw new HttpError(400, 'user_id: must be a number');
  if (!Array.isArray(products) || products.length < 1 || products.length > 3 || !products.every((p) => typeof p === 'number')) {
    throw new HttpError(400, 'product_ids: must be 1 to 3 numbers');
  }
  return { user_id: user, product_ids: products as number[] };
}

/** Fails the order when a peer did: its 4xx passes through, anything else is a 502. */
function check(peer: string, reply: PeerReply): void {
  if (reply.status < 300) return;
  const detail = (reply.body as { error?: string } | undefined)?.error ?? `HTTP ${reply.status}`;
  throw new HttpError(reply.status < 500 ? reply.status : 502, `${peer}: ${detail}`);
}

await runService({
  name: 'order',
  logs: 'otlp',
  routes: ({ env, tracer, log }) => {
    const { user, product, payment } = env.peers;
    if (user === undefined || product === undefined || payment === undefined) {
      throw new ServiceEnvError('SHOP_USER_URL, SHOP_PRODUCT_URL, SHOP_PAYMENT_URL: must all be set for order');
    }
    return [
      {
        method: 'POST',
        pattern: '/orders',
        async handler({ body }) {
          const order = orderRequest(body);
          try {
            check('user', await callPeer(tracer, 'user', 'GET', user, '/users/:id', `/users/${order.user_id}`));
            let total = 0;
            for (const id of order.product_ids) {
              const reply = await callPeer(tracer, 'product', 'GET', product, '/products/:id', `/products/${id}`);
              check('product', reply);
              total += (reply.body as { price_cents: number }).price_cents;
            }
            const charge = { user_id: order.user_id, amount_cents: total };
            check('payment', await callPeer(tracer, 'payment', 'POST', payment, '/charge', '/charge', charge));
            log.log('info', `order placed for user ${order.user_id}: ${order.product_ids.length} items, ${total} cents`, { ...charge, items: order.product_ids.length });
            return { status: 201, body: { ...order, amount_cents: total } };
          } catch (err) {
            const status = err instanceof HttpError ? err.status : 500;
            log.log(status >= 500 ? 'error' : 'warn', `order failed: ${err instanceof Error ? err.message : String(err)}`, { user_id: order.user_id, status });
            throw err;
          }
        },
      },
    ];
  },
});
