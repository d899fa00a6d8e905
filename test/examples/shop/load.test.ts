import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MIX, newTraceparent, parseMix, planRequest, PRODUCTS, startLoad, USERS } from '../../../examples/shop/load.js';

/** A seeded generator (Park-Miller), so the mix is checked on many draws without flakiness. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 16_807) % 2_147_483_647) / 2_147_483_647;
}

describe('parseMix', () => {
  it('reads kind=weight pairs, missing kinds weigh 0', () => {
    expect(parseMix('order=3, product=1')).toEqual({ order: 3, user: 0, product: 1 });
  });
  it.each([
    ['order', '--mix: "order" is not kind=weight (kinds: order, user, product)'],
    ['basket=2', '--mix: unknown kind "basket" (kinds: order, user, product)'],
    ['order=-1', '--mix: weight of order must be a number >= 0, got "-1"'],
    ['user=x', '--mix: weight of user must be a number >= 0, got "x"'],
    ['order=0,user=0', '--mix: "order=0,user=0" gives every kind weight 0'],
  ])('refuses %s naming what is wrong', (text, message) => {
    expect(() => parseMix(text)).toThrow(message);
  });
});

describe('planRequest', () => {
  it('follows the weights of the mix', () => {
    const rand = seeded(42);
    const counts = { order: 0, user: 0, product: 0 };
    for (let i = 0; i < 10_000; i++) counts[planRequest({ order: 6, user: 3, product: 1 }, rand).kind]++;
    expect(counts.order / 10_000).toBeCloseTo(0.6, 1);
    expect(counts.user / 10_000).toBeCloseTo(0.3, 1);
    expect(counts.product / 10_000).toBeCloseTo(0.1, 1);
  });
  it('builds requests the services accept: ids in range, 1-3 products per order', () => {
    const rand = seeded(7);
    for (let i = 0; i < 2_000; i++) {
      const r = planRequest(DEFAULT_MIX, rand);
      if (r.kind === 'order') {
        expect(r).toMatchObject({ method: 'POST', path: '/orders' });
        const body = JSON.parse(r.body!) as { user_id: number; product_ids: number[] };
        expect(body.user_id).toBeGreaterThanOrEqual(1);
        expect(body.user_id).toBeLessThanOrEqual(USERS);
        expect(body.product_ids.length).toBeGreaterThanOrEqual(1);
        expect(body.product_ids.length).toBeLessThanOrEqual(3);
        for (const p of body.product_ids) expect(p >= 1 && p <= PRODUCTS && Number.isInteger(p)).toBe(true);
      } else {
        const m = /^\/(users|products)\/(\d+)$/.exec(r.path);
        expect(m?.[1]).toBe(r.kind === 'user' ? 'users' : 'products');
        expect(Number(m![2])).toBeLessThanOrEqual(r.kind === 'user' ? USERS : PRODUCTS);
      }
    }
  });
  it('never picks a kind of weight 0', () => {
    const rand = seeded(1);
    for (let i = 0; i < 1_000; i++) expect(planRequest({ order: 0, user: 1, product: 0 }, rand).kind).toBe('user');
  });
});

describe('newTraceparent', () => {
  it('is a sampled W3C traceparent holding the trace ID', () => {
    const { traceId, traceparent } = newTraceparent();
    expect(traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(newTraceparent().traceId).not.toBe(traceId);
  });
});

describe('startLoad against a real local HTTP server', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  /** A server answering every request after `delayMs` with `status`; records traceparents and open requests. */
  async function serve(delayMs: number, status: number) {
    const seen = { traceparents: [] as string[], open: 0, maxOpen: 0 };
    server = createServer((req, res) => {
      seen.traceparents.push(String(req.headers.traceparent));
      seen.open++;
      seen.maxOpen = Math.max(seen.maxOpen, seen.open);
      req.resume();
      setTimeout(() => {
        seen.open--;
        res.writeHead(status).end('{}');
      }, delayMs);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const addr = server.address();
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    return { seen, urls: { order: url, user: url, product: url } };
  }

  it('keeps to the rate cap and reports each request with its trace ID', async () => {
    const { seen, urls } = await serve(5, 200);
    const traces: string[] = [];
    const load = startLoad({ urls, rate: 40, onOutcome: (o) => traces.push(o.traceId) });
    await new Promise((r) => setTimeout(r, 1_000));
    await load.stop();
    const s = load.stats();
    expect(s.sent).toBeGreaterThanOrEqual(20); // ticks lag on a loaded machine; the cap is the point
    expect(s.sent).toBeLessThanOrEqual(42);
    expect(s.failed).toBe(0);
    expect(s.inFlight).toBe(0);
    expect(traces).toHaveLength(s.sent);
    expect(seen.traceparents.map((t) => t.split('-')[1]).sort()).toEqual([...traces].sort());
  });

  it('holds at most maxInFlight open and skips what the cap holds back; 5xx count as failed', async () => {
    const { seen, urls } = await serve(400, 503);
    const load = startLoad({ urls, rate: 100, maxInFlight: 4 });
    await new Promise((r) => setTimeout(r, 1_000));
    await load.stop();
    const s = load.stats();
    expect(seen.maxOpen).toBe(4);
    expect(s.sent).toBeLessThanOrEqual(12);
    expect(s.skipped).toBeGreaterThan(70);
    expect(s.failed).toBe(s.sent);
  });

  it('refuses a rate that is not a positive number', () => {
    expect(() => startLoad({ urls: { order: '', user: '', product: '' }, rate: 0 })).toThrow('load: rate must be a number > 0, got 0');
  });
});
