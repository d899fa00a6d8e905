// The shipped body templates (alerts/templates/*.tmpl) render valid JSON of each receiver's shape.
import { describe, expect, it } from 'vitest';
import { backoffMs, DEFAULT_RETRY } from '../../../src/alerting/notifier/http.js';
import { buildMessage, encodeMessage, type GroupAlert } from '../../../src/alerting/notifier/payload.js';
import { validateSettings, WEBHOOK_DEFAULTS } from '../../../src/alerting/notifier/settings.js';
import { loadBodyTemplate, renderBody, sign } from '../../../src/alerting/notifier/webhook.js';

const firing: GroupAlert = {
  status: 'firing',
  labels: { alertname: 'HighErrorRatio', service_name: 'checkout', severity: 'critical', instance: 'a' },
  annotations: { summary: 'checkout: 12.5% of requests fail <5xx>', example_trace_ids: '4bf92f3577b34da6a3ce929d0e0e4736', example_trace_url: 'http://braid.example:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736' },
  startsAt: '2026-12-06T04:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://braid.example:16686/graph?g0.expr=x',
  fingerprint: '1234567890abcdef',
};
const resolved: GroupAlert = { ...firing, status: 'resolved', labels: { ...firing.labels, instance: 'b' }, endsAt: '2026-12-06T04:10:00Z', fingerprint: 'fedcba0987654321' };

const message = (alerts: GroupAlert[]) =>
  buildMessage({ receiver: 'oncall', groupKey: '{}:{alertname="HighErrorRatio"}', groupLabels: { alertname: 'HighErrorRatio' }, alerts, truncated: 0, externalURL: 'http://braid.example:16686' });

const template = (name: string) => loadBodyTemplate({ ...WEBHOOK_DEFAULTS, group_by: ['alertname'], headers: {}, url: 'http://x', body_template_file: `alerts/templates/${name}.tmpl` }, 'alerting.webhooks[0]');

async function render(name: string, alerts: GroupAlert[]): Promise<Record<string, unknown>> {
  const body = await renderBody(message(alerts), template(name));
  return JSON.parse(body) as Record<string, unknown>;
}

describe('v4 payload', () => {
  it('encodes as Go does: Alertmanager field order, HTML escaped, trailing newline', () => {
    const body = encodeMessage(message([firing]));
    expect(body.endsWith('}\n')).toBe(true);
    expect(body).toContain('\\u003c5xx\\u003e');
    expect(Object.keys(JSON.parse(body) as object)).toEqual(['receiver', 'status', 'alerts', 'groupLabels', 'commonLabels', 'commonAnnotations', 'externalURL', 'version', 'groupKey', 'truncatedAlerts']);
    expect(Object.keys((JSON.parse(body) as { alerts: object[] }).alerts[0]!)).toEqual(['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL', 'fingerprint']);
  });

  it('computes status and common labels/annotations', () => {
    const m = message([firing, resolved]);
    expect(m.status).toBe('firing');
    expect(m.commonLabels).toEqual({ alertname: 'HighErrorRatio', service_name: 'checkout', severity: 'critical' });
    expect(message([resolved]).status).toBe('resolved');
  });
});

describe('shipped body templates', () => {
  it('slack: text and blocks', async () => {
    const j = await render('slack', [firing, resolved]);
    expect(j['text']).toBe('[FIRING:1] HighErrorRatio (checkout)');
    const blocks = j['blocks'] as Array<{ type: string; text: { type: string; text: string } }>;
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section']);
    expect(blocks[1]!.text.type).toBe('mrkdwn');
    expect(blocks[1]!.text.text).toContain(':red_circle: *HighErrorRatio* `checkout`: checkout: 12.5% of requests fail <5xx>');
    expect(blocks[1]!.text.text).toContain('<http://braid.example:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736|Example trace>');
    expect(blocks[1]!.text.text).toContain(':large_green_circle:');
  });

  it('pagerduty: Events v2 trigger and resolve', async () => {
    process.env['PAGERDUTY_ROUTING_KEY'] = 'R0UT1NGKEY';
    const t = await render('pagerduty', [firing]);
    expect(t).toMatchObject({
      routing_key: 'R0UT1NGKEY',
      event_action: 'trigger',
      dedup_key: '{}:{alertname="HighErrorRatio"}',
      payload: { summary: '[FIRING:1] HighErrorRatio: checkout: 12.5% of requests fail <5xx>', source: 'checkout', severity: 'critical', custom_details: { firing: 1, resolved: 0 } },
      links: [{ href: 'http://braid.example:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736', text: 'Example trace' }],
    });
    const r = await render('pagerduty', [{ ...resolved, labels: { ...resolved.labels, severity: 'page' } }]);
    expect(r['event_action']).toBe('resolve');
    expect((r['payload'] as { severity: string }).severity).toBe('error');
  });

  it('wecom: markdown content', async () => {
    const j = await render('wecom', [firing]);
    expect(j['msgtype']).toBe('markdown');
    const content = (j['markdown'] as { content: string }).content;
    expect(content.startsWith('## [FIRING:1] HighErrorRatio')).toBe(true);
    expect(content).toContain('[Example trace](http://braid.example:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736)');
    expect(Buffer.byteLength(content)).toBeLessThan(4096);
  });

  it('dingtalk: markdown title and text', async () => {
    const j = await render('dingtalk', [firing]);
    expect(j['msgtype']).toBe('markdown');
    const md = j['markdown'] as { title: string; text: string };
    expect(md.title).toBe('[FIRING:1] HighErrorRatio');
    expect(md.text).toContain('- **HighErrorRatio** checkout (firing, since 2026-12-06 04:00:00 UTC)');
  });

  it('refuses a bad template at start with the key and Go\'s message', () => {
    expect(() => loadBodyTemplate({ ...WEBHOOK_DEFAULTS, group_by: [], headers: {}, url: 'http://x', body_template: '{{ .Status' }, 'alerting.webhooks[2]')).toThrow(
      'alerting.webhooks[2].body_template: template: body:1: unclosed action',
    );
  });
});

describe('webhook details', () => {
  it('signs the body as GitHub does', () => {
    // HMAC-SHA256("It's a Secret to Everybody", "Hello, World!"): GitHub's documented example.
    expect(sign("It's a Secret to Everybody", 'Hello, World!')).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  });

  it('backs off exponentially with jitter, capped', () => {
    expect([1, 2, 3, 10].map((n) => backoffMs(DEFAULT_RETRY, n, () => 0))).toEqual([250, 500, 1000, 15000]);
    expect([1, 2, 3, 10].map((n) => backoffMs(DEFAULT_RETRY, n, () => 1))).toEqual([500, 1000, 2000, 30000]);
  });

  it('refuses conflicting settings naming the key', () => {
    const w = { ...WEBHOOK_DEFAULTS, group_by: ['...', 'job'], headers: {}, url: 'http://x' };
    expect(() => validateSettings({ alertmanagers: [], webhooks: [w] })).toThrow("alerting.webhooks[0].group_by: '...' groups by all labels and cannot be combined with others");
    expect(() => validateSettings({ alertmanagers: [], webhooks: [{ ...w, group_by: [], headers: { 'content-type': 'text/plain' } }] })).toThrow(
      'alerting.webhooks[0].headers.content-type: set by Braid, cannot be overridden',
    );
  });
});
