/**
 * Logs correlated with traces, with real clients: a service traced by the OTel JS SDK writes
 * logs through the SDK's OTLP/HTTP protobuf and OTLP/gRPC log exporters and as NDJSON lines; the
 * native API and `braid trace` show each log under the span that wrote it. Both modes.
 */
import { ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { encodeLogsRequest } from '../../src/model/otlp/logs-proto.js';
import type { TraceView } from '../../src/query/braid/routes.js';
import { eventually, newSpanId, newTraceId } from '../helpers/otlp.js';
import { spawnBraid } from '../helpers/process.js';
import { bothModes, startTestBraid } from '../helpers/braid.js';

const modes = bothModes('logs');

const resource = resourceFromAttributes({ 'service.name': 'shop' });

function loggerWith(exporter: LogRecordExporter) {
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
  return { logger: provider.getLogger('shop-logs'), provider };
}

for (const [mode, config] of modes) {
  describe(`logs correlated with traces (${mode})`, () => {
    let braid: RunningBraid;
    beforeAll(async () => {
      braid = await startTestBraid(config());
    });
    afterAll(async () => {
      await braid?.stop();
    });

    const viewOf = async (id: string): Promise<TraceView | undefined> => {
      const res = await fetch(`${braid.addresses.query}/braid/v1/traces/${id}`);
      return res.status === 200 ? ((await res.json()) as TraceView) : undefined;
    };

    it('shows each log line under the span that wrote it, from OTLP/HTTP, OTLP/gRPC and NDJSON', async () => {
      const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(new ProtoTraceExporter({ url: `${braid.addresses.otlpHttp}/v1/traces` }))] });
      const tracer = tracerProvider.getTracer('shop');
      const http = loggerWith(new ProtoLogExporter({ url: `${braid.addresses.otlpHttp}/v1/logs` }));
      const grpc = loggerWith(new GrpcLogExporter({ url: `http://${braid.addresses.otlpGrpc}` }));

      const root: Span = tracer.startSpan('GET /checkout');
      const rootCtx = trace.setSpan(ROOT_CONTEXT, root);
      const child: Span = tracer.startSpan('charge card', undefined, rootCtx);
      const childCtx = trace.setSpan(ROOT_CONTEXT, child);
      const traceId = root.spanContext().traceId;
      http.logger.emit({ body: 'checkout started', severityNumber: SeverityNumber.INFO, severityText: 'INFO', context: rootCtx, attributes: { 'cart.items': 3 } });
      grpc.logger.emit({ body: 'card declined', severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', context: childCtx, attributes: { 'card.brand': 'visa' } });
      const now = new Date().toISOString();
      const ndjson = [
        JSON.stringify({ '@timestamp': now, 'log.level': 'warn', message: 'retrying payment', 'trace.id': traceId, 'span.id': child.spanContext().spanId, 'service.name': 'shop', attempt: 2 }),
        '{"message": "broken',
        JSON.stringify({ time: now, level: 'info', msg: 'order flagged for review', trace_id: traceId.toUpperCase(), service: 'shop' }),
      ].join('\n');
      child.end();
      root.end();
      await Promise.all([tracerProvider.forceFlush(), http.provider.forceFlush(), grpc.provider.forceFlush()]);
      const res = await fetch(`${braid.addresses.otlpHttp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { partialSuccess?: { rejectedLogRecords: string; errorMessage: string } };
      expect(answer.partialSuccess?.rejectedLogRecords).toBe('1');
      expect(answer.partialSuccess?.errorMessage).toMatch(/line 2: /);

      const view = await eventually(async () => {
        const v = await viewOf(traceId);
        return v && v.spans.length === 1 && v.spans[0]!.logs.length === 1 && v.spans[0]!.children[0]?.logs.length === 2 && v.logs.length === 1 ? v : undefined;
      }, 30_000, 'two spans with their four logs');
      const [r] = view.spans;
      expect(r?.name).toBe('GET /checkout');
      expect(r?.logs.map((l) => [l.message, l.level])).toEqual([['checkout started', 'info']]);
      expect(r?.logs[0]?.attributes).toEqual({ 'cart.items': 3 });
      const c = r?.children[0];
      expect(c?.name).toBe('charge card');
      expect(c?.logs.map((l) => l.message).sort()).toEqual(['card declined', 'retrying payment']);
      expect(c?.logs.find((l) => l.message === 'retrying payment')?.attributes).toEqual({ attempt: 2 });
      expect(view.logs.map((l) => l.message)).toEqual(['order flagged for review']);

      // The trace summary counts the trace's logs and its error logs.
      const summary = await eventually(async () => {
        const s = (await viewOf(traceId))?.summary;
        return s?.['log.count'] === 4 ? s : undefined;
      }, 30_000, 'the summary with four logs');
      expect(summary['error.log.count']).toBe(1);
      expect(summary['span.count']).toBe(2);

      // braid trace prints each log under its span.
      const run = spawnBraid(['trace', traceId, '--url', braid.addresses.query!]);
      const { code } = await run.exited;
      expect(code, run.output()).toBe(0);
      const lines = run.output().trimEnd().split('\n');
      const at = (text: string) => lines.findIndex((l) => l.includes(text));
      expect(lines[0]).toBe(`trace ${traceId}  2 spans, 4 logs`);
      expect(at('shop: GET /checkout')).toBe(1);
      expect(at('checkout started')).toBe(2);
      expect(at('shop: charge card')).toBe(3);
      expect([at('card declined'), at('retrying payment')].sort()).toEqual([4, 5]);
      expect(lines[at('card declined')]).toMatch(/ERROR card declined .*✗/);
      expect(at('order flagged for review')).toBeGreaterThan(at('logs of the trace without a span'));
    });

    it('searches logs by text, service, level, attribute and trace, newest first, paged by cursor', async () => {
      const traceId = newTraceId();
      const base = Date.now() - 60_000;
      const lines = Array.from({ length: 5 }, (_, i) =>
        JSON.stringify({ ts: base + i * 1000, level: i === 4 ? 'error' : 'info', msg: `payment step ${i} of batch ${traceId.slice(0, 8)}`, trace_id: traceId, service: 'payments', step: i }),
      );
      const res = await fetch(`${braid.addresses.otlpHttp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.join('\n') + '\n' });
      expect(res.status).toBe(200);
      const search = async (params: string) => (await (await fetch(`${braid.addresses.query}/braid/v1/logs?${params}`)).json()) as { logs: Array<{ message: string; level: string }>; next?: string };
      await eventually(async () => ((await search(`traceId=${traceId}`)).logs.length === 5 ? true : undefined), 30_000, 'five logs');

      const first = await search(`traceId=${traceId}&limit=2`);
      expect(first.logs.map((l) => l.message.split(' ')[2])).toEqual(['4', '3']);
      expect(first.next).toBeDefined();
      const second = await search(`traceId=${traceId}&limit=2&cursor=${first.next}`);
      expect(second.logs.map((l) => l.message.split(' ')[2])).toEqual(['2', '1']);
      const third = await search(`traceId=${traceId}&limit=2&cursor=${second.next}`);
      expect(third.logs.map((l) => l.message.split(' ')[2])).toEqual(['0']);
      expect(third.next).toBeUndefined();

      expect((await search(`traceId=${traceId}&level=error`)).logs.map((l) => l.level)).toEqual(['error']);
      expect((await search(`service=payments&attribute=step:3&traceId=${traceId}`)).logs).toHaveLength(1);
      expect((await search(`q=${encodeURIComponent(`step 2 batch ${traceId.slice(0, 8)}`)}`)).logs.map((l) => l.message)).toEqual([`payment step 2 of batch ${traceId.slice(0, 8)}`]);
      expect((await search(`traceId=${traceId}&start=${new Date(base + 2500).toISOString()}`)).logs).toHaveLength(2);
      const bad = await fetch(`${braid.addresses.query}/braid/v1/logs?start=yesterday`);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("'start'");
    });

    it('rejects a log with a 17-byte trace ID with its reason and keeps the others', async () => {
      const good = newTraceId();
      const record = (traceId: string, body: string) => ({ timeUnixNano: `${Date.now()}000000`, severityNumber: 9, body: { stringValue: body }, traceId, spanId: newSpanId() });
      const json = { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bad-input' } }] }, scopeLogs: [{ logRecords: [record(`${good}ab`, 'too long'), record(good, 'kept over json')] }] }] };
      const res = await fetch(`${braid.addresses.otlpHttp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } };
      expect(answer.partialSuccess.rejectedLogRecords).toBe('1');
      expect(answer.partialSuccess.errorMessage).toMatch(/logRecords\[0\]\.traceId: expected 32 hex characters or none, got "[0-9a-f]{34}"/);

      const proto = encodeLogsRequest({
        resourceLogs: [{
          resource: { attributes: { 'service.name': 'bad-input' }, droppedAttributesCount: 0 }, schemaUrl: '',
          scopeLogs: [{ scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', logRecords: [
            { timeUnixNano: BigInt(Date.now()) * 1_000_000n, observedTimeUnixNano: 0n, severityNumber: 9, severityText: '', body: 'kept over protobuf', attributes: {}, droppedAttributesCount: 0, flags: 0, traceId: good, spanId: '', eventName: '' },
            { timeUnixNano: BigInt(Date.now()) * 1_000_000n, observedTimeUnixNano: 0n, severityNumber: 9, severityText: '', body: 'too long', attributes: {}, droppedAttributesCount: 0, flags: 0, traceId: `${good}cd`, spanId: '', eventName: '' },
          ] }],
        }],
      });
      const pres = await fetch(`${braid.addresses.otlpHttp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(proto) });
      expect(pres.status).toBe(200);
      expect(Buffer.from(await pres.arrayBuffer()).toString('latin1')).toContain('logRecords[1].traceId');

      const kept = await eventually(async () => {
        const v = await viewOf(good);
        return v && v.logs.length === 2 ? v : undefined;
      }, 30_000, 'the two valid logs');
      expect(kept.logs.map((l) => l.message).sort()).toEqual(['kept over json', 'kept over protobuf']);

      const none = await fetch(`${braid.addresses.otlpHttp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: 'not json\n[1,2]\n' });
      expect(none.status).toBe(400);
      const msg = ((await none.json()) as { message: string }).message;
      expect(msg).toContain('line 1');
      expect(msg).toContain('line 2');
    });

    if (mode.startsWith('pipeline')) {
      it('stores logs with ECS fields in a daily logs index', async () => {
        const traceId = newTraceId();
        const res = await fetch(`${braid.addresses.otlpHttp}/v1/logs`, {
          method: 'POST', headers: { 'content-type': 'application/x-ndjson' },
          body: JSON.stringify({ '@timestamp': '2026-11-23T10:00:00.123456789Z', level: 'ERROR', message: 'disk full', 'trace.id': traceId, 'span.id': newSpanId(), 'service.name': 'storage' }),
        });
        expect(res.status).toBe(200);
        const es = new Client({ node: inject('elasticsearchUrl') });
        const hit = await eventually(async () => {
          await es.indices.refresh({ index: '*-logs-2026.11.23' });
          const r = await es.search<Record<string, unknown>>({ index: '*-logs-2026.11.23', query: { term: { 'trace.id': traceId } } });
          return r.hits.hits[0];
        }, 30_000, 'the log document');
        expect(hit._index).toMatch(/-logs-2026\.11\.23$/);
        expect(hit._source).toMatchObject({ '@timestamp': '2026-11-23T10:00:00.123456789Z', 'log.level': 'error', message: 'disk full', 'trace.id': traceId, 'service.name': 'storage', 'severity.number': 17 });
        await es.close();
      });
    }
  });
}
