/** Builders of OTLP/JSON requests for tests. */
import { randomBytes } from 'node:crypto';

/** A random trace ID (32 hex) and span ID (16 hex). */
export const newTraceId = () => randomBytes(16).toString('hex');
export const newSpanId = () => randomBytes(8).toString('hex');

/** An OTLP/JSON ExportTraceServiceRequest with a root span and one child in service `service`. */
export function twoSpanTrace(traceId: string, service = 'checkout', startMs = Date.now() - 1_000) {
  const root = newSpanId();
  const child = newSpanId();
  const ns = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;
  return {
    rootSpanId: root,
    childSpanId: child,
    body: {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'host.name', value: { stringValue: 'test-host' } }] },
          scopeSpans: [
            {
              scope: { name: 'braid-test', version: '1.0.0' },
              spans: [
                {
                  traceId: traceId.toUpperCase(),
                  spanId: root,
                  name: 'GET /checkout',
                  kind: 2,
                  startTimeUnixNano: ns(startMs),
                  endTimeUnixNano: ns(startMs + 250),
                  attributes: [
                    { key: 'http.method', value: { stringValue: 'GET' } },
                    { key: 'http.status_code', value: { intValue: '200' } },
                  ],
                  status: { code: 1 },
                },
                {
                  traceId,
                  spanId: child,
                  parentSpanId: root,
                  name: 'SELECT orders',
                  kind: 3,
                  startTimeUnixNano: ns(startMs + 10),
                  endTimeUnixNano: ns(startMs + 110.5),
                  attributes: [{ key: 'db.system', value: { stringValue: 'postgresql' } }],
                  status: { code: 2, message: 'deadlock' },
                  unknownFieldIsIgnored: true,
                },
              ],
            },
          ],
        },
      ],
    },
  };
}

/** Polls `fn` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One span of a `multiServiceTrace`. */
export interface SpanSpec {
  id: string;
  parent?: string;
  service: string;
  name: string;
  kind?: number;
  startMs: number;
  durationMs: number;
  error?: boolean;
  attributes?: Record<string, string | number | boolean>;
}

const toAnyValue = (v: string | number | boolean) =>
  typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };

/** An OTLP/JSON request with one ResourceSpans per service. */
export function multiServiceTrace(traceId: string, spans: SpanSpec[]) {
  const ns = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;
  const services = [...new Set(spans.map((s) => s.service))];
  return {
    resourceSpans: services.map((service) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'deployment.environment', value: { stringValue: 'test' } }] },
      scopeSpans: [
        {
          spans: spans
            .filter((s) => s.service === service)
            .map((s) => ({
              traceId,
              spanId: s.id,
              ...(s.parent ? { parentSpanId: s.parent } : {}),
              name: s.name,
              kind: s.kind ?? 1,
              startTimeUnixNano: ns(s.startMs),
              endTimeUnixNano: ns(s.startMs + s.durationMs),
              attributes: Object.entries(s.attributes ?? {}).map(([key, value]) => ({ key, value: toAnyValue(value) })),
              status: s.error ? { code: 2, message: 'failed' } : {},
            })),
        },
      ],
    })),
  };
}
