/**
 * Every query API answers from the caller's tenant's data only, in both modes (embedded; Kafka +
 * Elasticsearch). Two tenants (acme, globex) send a trace across two services, a log line of it,
 * and a counter of their own name with an exemplar of the trace (one point 3 h old, so only the
 * store holds it, and one now, in the head), each with its own token; the default tenant's token
 * sends nothing. Then each route, asked with each token, shows that tenant's data and nothing of
 * the others'.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { bothModes, startTestBraid } from '../helpers/braid.js';
import { eventually, multiServiceTrace, newSpanId, newTraceId } from '../helpers/otlp.js';
import { callAs, counterBody, logBody, sendAs, tokensFile } from '../helpers/tenants.js';

const TENANTS = ['acme', 'globex'] as const;
const ALL = [...TENANTS, 'default'] as const;
type Who = (typeof ALL)[number];

interface Jaeger<T> {
  data: T;
}
interface Prom<T> {
  status: string;
  data: T;
}

describe.each(bothModes('tenantread'))('every query API per tenant (%s)', (_mode, config) => {
  const file = tokensFile(ALL);
  let braid: RunningBraid;
  const now = Date.now();
  const old = now - 3 * 3_600_000;
  const data = Object.fromEntries(TENANTS.map((t) => [t, { trace: newTraceId(), root: newSpanId(), child: newSpanId() }])) as Record<(typeof TENANTS)[number], { trace: string; root: string; child: string }>;
  const q = (path: string) => `${braid.addresses.query}${path}`;
  const as = <T>(who: Who, path: string, form?: Record<string, string>) => callAs<T>(file.tokens[who]!, q(path), form);
  /** Each tenant's answer, once `ready` holds for the tenants that sent data. */
  const answers = async <T>(path: string, ready: (body: T, t: (typeof TENANTS)[number]) => boolean): Promise<Record<Who, T>> => {
    for (const t of TENANTS) await eventually(async () => { const r = await as<T>(t, path); return r.status === 200 && ready(r.body, t) ? true : undefined; }, 60_000, `${t}: ${path}`);
    const out = {} as Record<Who, T>;
    for (const who of ALL) {
      const r = await as<T>(who, path);
      expect(r.status, `${who}: ${path}: ${JSON.stringify(r.body)}`).toBe(200);
      out[who] = r.body;
    }
    return out;
  };
  /** The tenants whose marker appears in a JSON answer. */
  const owners = (body: unknown) => TENANTS.filter((t) => JSON.stringify(body).includes(t));

  beforeAll(async () => {
    braid = await startTestBraid({ ...config(), auth: { tokens_file: file.path } });
    const a = braid.addresses;
    for (const t of TENANTS) {
      const { trace, root, child } = data[t];
      const token = file.tokens[t]!;
      await sendAs(token, `${a.otlpHttp}/v1/traces`, multiServiceTrace(trace, [
        { id: root, service: `${t}-front`, name: `${t} GET /`, kind: 2, startMs: now - 2_000, durationMs: 100 },
        { id: child, parent: root, service: `${t}-back`, name: `${t} query`, kind: 2, startMs: now - 1_990, durationMs: 50 },
      ]));
      await sendAs(token, `${a.otlpHttp}/v1/logs`, logBody(`${t}-front`, `hello from ${t}`, now - 1_950, trace, root));
      await sendAs(token, `${a.otlpHttp}/v1/metrics`, counterBody(`${t}-front`, `${t}_probe`, { owner: t, [`${t}_only`]: '1' }, [[old, 1], [now - 1_000, 2]], trace, root));
    }
  }, 120_000);
  afterAll(async () => {
    await braid?.stop();
    file.remove();
  });

  it('GET /api/services', async () => {
    const r = await answers<Jaeger<string[]>>('/api/services', (b, t) => b.data.includes(`${t}-back`));
    for (const t of TENANTS) expect(r[t].data.sort()).toEqual([`${t}-back`, `${t}-front`]);
    expect(r.default.data).toEqual([]);
    // The explorer page calls the same APIs with the browser's Basic credentials (password = token).
    for (const t of TENANTS) {
      const res = await fetch(q('/api/services'), { headers: { authorization: `Basic ${Buffer.from(`someone:${file.tokens[t]}`).toString('base64')}` } });
      expect(((await res.json()) as Jaeger<string[]>).data.sort()).toEqual([`${t}-back`, `${t}-front`]);
    }
  });

  it('GET /api/services/{service}/operations', async () => {
    for (const t of TENANTS) {
      const path = `/api/services/${t}-front/operations`;
      const r = await answers<Jaeger<string[]>>(path, (b, x) => x !== t || b.data.length > 0);
      expect(r[t].data).toEqual([`${t} GET /`]);
      for (const other of ALL.filter((w) => w !== t)) expect(r[other].data, `${other} asks ${path}`).toEqual([]);
    }
  });

  it('GET /api/operations', async () => {
    for (const t of TENANTS) {
      const path = `/api/operations?service=${t}-back`;
      const r = await answers<Jaeger<Array<{ name: string }>>>(path, (b, x) => x !== t || b.data.length > 0);
      expect(r[t].data).toEqual([{ name: `${t} query`, spanKind: 'server' }]);
      for (const other of ALL.filter((w) => w !== t)) expect(r[other].data).toEqual([]);
    }
  });

  it('GET /api/traces (search and traceID)', async () => {
    for (const t of TENANTS) {
      const search = await answers<Jaeger<Array<{ traceID: string }>>>(`/api/traces?service=${t}-front`, (b, x) => x !== t || b.data.length > 0);
      expect(search[t].data.map((x) => x.traceID)).toEqual([data[t].trace]);
      for (const other of ALL.filter((w) => w !== t)) expect(search[other].data).toEqual([]);
    }
    const byId = await answers<Jaeger<Array<{ traceID: string }>>>(`/api/traces?traceID=${data.acme.trace}&traceID=${data.globex.trace}`, (b, x) => b.data.some((y) => y.traceID === data[x].trace));
    for (const who of ALL) expect(byId[who].data.map((x) => x.traceID), who).toEqual(who === 'default' ? [] : [data[who].trace]);
  });

  it('GET /api/traces/{traceID}', async () => {
    for (const t of TENANTS) {
      await eventually(async () => ((await as(t, `/api/traces/${data[t].trace}`)).status === 200 ? true : undefined), 60_000, 'trace');
      const own = await as<Jaeger<Array<{ spans: unknown[] }>>>(t, `/api/traces/${data[t].trace}`);
      expect(own.body.data[0]!.spans).toHaveLength(2);
      for (const other of ALL.filter((w) => w !== t)) expect((await as(other, `/api/traces/${data[t].trace}`)).status, `${other} reads ${t}'s trace`).toBe(404);
    }
  });

  it('GET /api/dependencies', async () => {
    const r = await answers<Jaeger<Array<{ parent: string; child: string }>>>(`/api/dependencies?endTs=${Date.now() + 60_000}&lookback=3600000`, (b) => b.data.length > 0);
    for (const t of TENANTS) expect(r[t].data.map((l) => `${l.parent}>${l.child}`)).toEqual([`${t}-front>${t}-back`]);
    expect(r.default.data).toEqual([]);
  });

  it('GET /braid/v1/traces/{traceId}', async () => {
    for (const t of TENANTS) {
      const path = `/braid/v1/traces/${data[t].trace}`;
      const own = await eventually(async () => { const r = await as<{ spans: Array<{ logs: unknown[] }> }>(t, path); return r.status === 200 && r.body.spans[0]?.logs.length ? r : undefined; }, 60_000, 'trace with its log');
      expect(owners(own.body)).toEqual([t]);
      for (const other of ALL.filter((w) => w !== t)) expect((await as(other, path)).status, `${other} reads ${t}'s trace`).toBe(404);
    }
  });

  it('GET /braid/v1/logs', async () => {
    const r = await answers<{ logs: Array<{ message: string }> }>('/braid/v1/logs?lookback=1h', (b, t) => b.logs.some((l) => l.message === `hello from ${t}`));
    for (const t of TENANTS) expect(r[t].logs.map((l) => l.message)).toEqual([`hello from ${t}`]);
    expect(r.default.logs).toEqual([]);
    // By trace ID: another tenant's trace has no logs for the caller.
    expect((await as<{ logs: unknown[] }>('globex', `/braid/v1/logs?lookback=1h&traceId=${data.acme.trace}`)).body.logs).toEqual([]);
  });

  it('GET /braid/v1/samples', async () => {
    for (const t of TENANTS) {
      const path = `/braid/v1/samples?metric=${t}_probe_total&lookback=4h`;
      const r = await answers<{ samples: Array<{ value: number }> }>(path, (b, x) => x !== t || b.samples.length === 2);
      expect(r[t].samples.map((s) => s.value)).toEqual([2, 1]);
      for (const other of ALL.filter((w) => w !== t)) expect(r[other].samples).toEqual([]);
    }
  });

  it('/prometheus/api/v1/query: the head (now) and the store (3 h ago), GET and POST', async () => {
    const sel = '{__name__=~".+_probe_total"}';
    const owned = (b: Prom<{ result: Array<{ metric: Record<string, string> }> }>) => b.data.result.map((s) => s.metric.__name__);
    const recent = await answers<Prom<{ result: Array<{ metric: Record<string, string> }> }>>(`/prometheus/api/v1/query?query=${encodeURIComponent(sel)}`, (b, t) => owned(b).includes(`${t}_probe_total`));
    const before = await answers<Prom<{ result: Array<{ metric: Record<string, string> }> }>>(`/prometheus/api/v1/query?query=${encodeURIComponent(sel)}&time=${(old + 1_000) / 1000}`, (b, t) => owned(b).includes(`${t}_probe_total`));
    for (const t of TENANTS) {
      expect(owned(recent[t])).toEqual([`${t}_probe_total`]);
      expect(owned(before[t])).toEqual([`${t}_probe_total`]);
      expect(owned((await as<Prom<{ result: Array<{ metric: Record<string, string> }> }>>(t, '/prometheus/api/v1/query', { query: sel })).body)).toEqual([`${t}_probe_total`]);
    }
    expect(owned(recent.default)).toEqual([]);
    expect(owned(before.default)).toEqual([]);
  });

  it('/prometheus/api/v1/query_range', async () => {
    const path = `/prometheus/api/v1/query_range?query=${encodeURIComponent('sum by (owner) ({__name__=~".+_probe_total"})')}&start=${old / 1000}&end=${Math.ceil(now / 1000) + 60}&step=60`;
    const r = await answers<Prom<{ result: Array<{ metric: { owner: string }; values: unknown[] }> }>>(path, (b, t) => b.data.result.some((s) => s.metric.owner === t && s.values.length >= 2));
    for (const t of TENANTS) expect(r[t].data.result.map((s) => s.metric.owner)).toEqual([t]);
    expect(r.default.data.result).toEqual([]);
  });

  it('/prometheus/api/v1/series', async () => {
    const path = `/prometheus/api/v1/series?match[]=${encodeURIComponent('{__name__=~".+_probe_total"}')}&start=${Math.floor(old / 1000) - 60}`;
    const r = await answers<Prom<Array<Record<string, string>>>>(path, (b, t) => b.data.some((s) => s.owner === t));
    for (const t of TENANTS) expect(r[t].data.map((s) => s.__name__)).toEqual([`${t}_probe_total`]);
    expect(r.default.data).toEqual([]);
  });

  it('/prometheus/api/v1/labels', async () => {
    const r = await answers<Prom<string[]>>('/prometheus/api/v1/labels', (b, t) => b.data.includes(`${t}_only`));
    for (const t of TENANTS) expect(r[t].data.filter((n) => n.endsWith('_only'))).toEqual([`${t}_only`]);
    expect(owners(r.default)).toEqual([]);
  });

  it('/prometheus/api/v1/label/{name}/values', async () => {
    const owner = await answers<Prom<string[]>>('/prometheus/api/v1/label/owner/values', (b, t) => b.data.includes(t));
    const names = await answers<Prom<string[]>>('/prometheus/api/v1/label/__name__/values', (b, t) => b.data.includes(`${t}_probe_total`));
    for (const t of TENANTS) {
      expect(owner[t].data).toEqual([t]);
      expect(names[t].data.filter((n) => n.endsWith('_probe_total'))).toEqual([`${t}_probe_total`]);
    }
    expect(owner.default.data).toEqual([]);
    expect(owners(names.default)).toEqual([]);
  });

  it('/prometheus/api/v1/metadata', async () => {
    const r = await answers<Prom<Record<string, unknown>>>('/prometheus/api/v1/metadata', (b, t) => `${t}_probe_total` in b.data);
    for (const t of TENANTS) expect(Object.keys(r[t].data).filter((n) => n.endsWith('_probe_total'))).toEqual([`${t}_probe_total`]);
    expect(owners(r.default)).toEqual([]);
  });

  it('/prometheus/api/v1/query_exemplars', async () => {
    const path = `/prometheus/api/v1/query_exemplars?query=${encodeURIComponent('{__name__=~".+_probe_total"}')}&start=${Math.floor(now / 1000) - 600}&end=${Math.ceil(now / 1000) + 60}`;
    const r = await answers<Prom<Array<{ seriesLabels: Record<string, string>; exemplars: Array<{ labels: Record<string, string> }> }>>>(path, (b, t) => b.data.some((e) => e.seriesLabels.owner === t));
    for (const t of TENANTS) expect(r[t].data.flatMap((e) => e.exemplars.map((x) => x.labels.trace_id))).toEqual([data[t].trace]);
    expect(r.default.data).toEqual([]);
  });
});
