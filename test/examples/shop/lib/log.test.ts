import { TraceFlags, type SpanContext } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../../../examples/shop/lib/log.js';

const span: SpanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));

describe('formatLogLine', () => {
  it('writes the fixed keys in order, the span IDs, then the fields', () => {
    const line = formatLogLine(now, 'error', 'payment', 'card declined', span, { user_id: 7 });
    expect(JSON.stringify(line)).toBe(
      '{"time":"2026-01-02T03:04:05.678Z","level":"error","msg":"card declined","service":"payment",'
      + '"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","user_id":7}',
    );
  });

  it('leaves out the IDs without a valid span', () => {
    expect(formatLogLine(now, 'info', 'user', 'up', undefined)).toEqual({ time: '2026-01-02T03:04:05.678Z', level: 'info', msg: 'up', service: 'user' });
    const invalid = { ...span, traceId: '00000000000000000000000000000000' };
    expect(formatLogLine(now, 'info', 'user', 'up', invalid)).not.toHaveProperty('trace_id');
  });

  it('never lets a field overwrite a fixed key', () => {
    const line = formatLogLine(now, 'warn', 'order', 'slow', span, { level: 'debug', trace_id: 'x', service: 'other', extra: true });
    expect(line).toMatchObject({ level: 'warn', trace_id: span.traceId, service: 'order', extra: true });
  });
});
