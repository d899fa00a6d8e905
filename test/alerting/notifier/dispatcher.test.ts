// The dispatcher against a fake clock: the exact sequence of messages Alertmanager would send
// for each timing (group_wait, group_interval, repeat_interval, send_resolved, max_alerts), and no
// second notification after a restart that restores the notification log.
import { describe, expect, it } from 'vitest';
import { Dispatcher, type DispatcherOptions } from '../../../src/alerting/notifier/dispatcher.js';
import { fingerprint, groupKey, labelSetString } from '../../../src/alerting/notifier/fingerprint.js';
import { createMemoryNotificationLog, entriesFromSamples, notificationLogSamples, type NotificationLog } from '../../../src/alerting/notifier/nflog.js';
import type { WebhookMessage } from '../../../src/alerting/notifier/payload.js';
import { rfc3339 } from '../../../src/alerting/notifier/time.js';
import type { NotifiableAlert } from '../../../src/alerting/types.js';
import { FakeClock } from './fake-clock.js';

const T0 = Date.UTC(2026, 11, 6, 4, 0, 0);
const S = 1000;
const M = 60 * S;

const OPTS: DispatcherOptions = {
  receiver: 'oncall',
  groupBy: ['alertname', 'service_name'],
  groupWaitMs: 30 * S,
  groupIntervalMs: 5 * M,
  repeatIntervalMs: 4 * 60 * M,
  sendResolved: true,
  maxAlerts: 0,
  externalURL: 'http://braid.example:16686',
};

function alert(labels: Record<string, string>, startsMs: number, endsMs = startsMs + 24 * 60 * M): NotifiableAlert {
  return { labels: { alertname: 'HighErrorRatio', ...labels }, annotations: { summary: `errors on ${labels['instance'] ?? '?'}` }, startsAt: rfc3339(startsMs), endsAt: rfc3339(endsMs), generatorURL: 'http://braid.example:16686/graph' };
}

interface Sent {
  at: number;
  status: string;
  alerts: string[];
  truncated: number;
}

function setup(opts: Partial<DispatcherOptions> = {}, nflog?: NotificationLog, clock = new FakeClock(T0)) {
  const sent: Sent[] = [];
  const messages: WebhookMessage[] = [];
  const failures = { left: 0 };
  const log = nflog ?? createMemoryNotificationLog({ now: () => clock.now() });
  const d = new Dispatcher({ ...OPTS, ...opts }, {
    clock,
    nflog: log,
    deliver: async (msg) => {
      if (failures.left > 0) {
        failures.left--;
        throw new Error('HTTP 503');
      }
      messages.push(msg);
      sent.push({ at: (clock.now() - T0) / S, status: msg.status, alerts: msg.alerts.map((a) => `${a.labels['instance']}:${a.status}`), truncated: msg.truncatedAlerts });
    },
  });
  return { d, clock, sent, messages, failures, log };
}

describe('Alertmanager identities', () => {
  it('fingerprints label sets as prometheus/common does (signature_test.go values)', () => {
    expect(fingerprint({})).toBe((14695981039346656037n).toString(16));
    expect(fingerprint({ name: 'garland, briggs', fear: 'love is not enough' })).toBe((5799056148416392346n).toString(16));
  });

  it('agrees with a BigInt FNV-1a 64 reference on label sets with multi-byte characters', () => {
    const enc = new TextEncoder();
    const ref = (l: Record<string, string>): string => {
      let h = 14695981039346656037n;
      const add = (b: Uint8Array) => {
        for (const x of b) h = ((h ^ BigInt(x)) * 1099511628211n) & 0xffffffffffffffffn;
      };
      for (const k of Object.keys(l).sort()) {
        add(enc.encode(k));
        add(new Uint8Array([255]));
        add(enc.encode(l[k]!));
        add(new Uint8Array([255]));
      }
      return h.toString(16).padStart(16, '0');
    };
    for (let i = 0; i < 500; i++) {
      const l: Record<string, string> = {};
      for (let j = 0; j < i % 6; j++) l[`k${j}${String.fromCharCode(97 + ((i * 7 + j) % 26))}`] = String.fromCodePoint(...Array.from({ length: (i + j) % 9 }, (_, x) => [0x41, 0xe9, 0x2603, 0x1f600, 0x7a][(i + x + j) % 5]!));
      expect(fingerprint(l)).toBe(ref(l));
    }
  });

  it('writes group keys as Alertmanager does', () => {
    expect(groupKey({ service_name: 'checkout', alertname: 'HighErrorRatio' })).toBe('{}:{alertname="HighErrorRatio", service_name="checkout"}');
    expect(labelSetString({ a: 'say "hi"\n' })).toBe('{a="say \\"hi\\"\\n"}');
  });
});

describe('Dispatcher timing', () => {
  it('waits group_wait, batches the group, then notifies only on change or after repeat_interval', async () => {
    const { d, clock, sent, messages } = setup({ repeatIntervalMs: 60 * M });
    d.insert([alert({ service_name: 'checkout', instance: 'a' }, T0)]);
    await clock.advance(10 * S);
    d.insert([alert({ service_name: 'checkout', instance: 'b' }, T0 + 10 * S)]);
    await clock.advance(19 * S);
    expect(sent).toEqual([]);
    await clock.advance(1 * S);
    expect(sent).toEqual([{ at: 30, status: 'firing', alerts: ['a:firing', 'b:firing'], truncated: 0 }]);
    const m = messages[0]!;
    expect(m.groupKey).toBe('{}:{alertname="HighErrorRatio", service_name="checkout"}');
    expect(m.groupLabels).toEqual({ alertname: 'HighErrorRatio', service_name: 'checkout' });
    expect(m.commonLabels).toEqual({ alertname: 'HighErrorRatio', service_name: 'checkout' });
    expect(m.alerts[0]!.endsAt).toBe('0001-01-01T00:00:00Z');
    expect(m.alerts[0]!.fingerprint).toBe(fingerprint({ alertname: 'HighErrorRatio', service_name: 'checkout', instance: 'a' }));
    // Unchanged: nothing at each group_interval until repeat_interval (60m) has passed since the send at 30 s.
    await clock.advance(60 * M);
    expect(sent.length).toBe(1);
    await clock.advance(5 * M);
    expect(sent.map((s) => s.at)).toEqual([30, 30 + 13 * 300]);
  });

  it('sends a resolution at the next group_interval, then forgets the resolved alert', async () => {
    const { d, clock, sent } = setup();
    d.insert([alert({ service_name: 'checkout', instance: 'a' }, T0), alert({ service_name: 'checkout', instance: 'b' }, T0)]);
    await clock.advance(30 * S);
    await clock.advance(2 * M);
    d.insert([alert({ service_name: 'checkout', instance: 'a' }, T0, T0 + 150 * S)]);
    await clock.advance(10 * M);
    expect(sent).toEqual([
      { at: 30, status: 'firing', alerts: ['a:firing', 'b:firing'], truncated: 0 },
      { at: 330, status: 'firing', alerts: ['a:resolved', 'b:firing'], truncated: 0 },
    ]);
    expect(d.snapshot()).toEqual([{ groupKey: '{}:{alertname="HighErrorRatio", service_name="checkout"}', alerts: 1 }]);
    // Prometheus keeps re-sending the resolved alert for 15 minutes: no new notification.
    d.insert([alert({ service_name: 'checkout', instance: 'a' }, T0, T0 + 150 * S)]);
    await clock.advance(10 * M);
    expect(sent.length).toBe(2);
    // The last alert resolves: status resolved, then the group is gone.
    d.insert([alert({ service_name: 'checkout', instance: 'b' }, T0, clock.now())]);
    await clock.advance(5 * M);
    expect(sent[2]).toEqual({ at: 1530, status: 'resolved', alerts: ['b:resolved'], truncated: 0 });
    expect(d.snapshot()).toEqual([]);
  });

  it('with send_resolved false sends no resolution, and nothing when all resolved', async () => {
    const { d, clock, sent } = setup({ sendResolved: false });
    d.insert([alert({ service_name: 'checkout', instance: 'a' }, T0), alert({ service_name: 'checkout', instance: 'b' }, T0)]);
    await clock.advance(30 * S);
    d.insert([alert({ service_name: 'checkout', instance: 'a' }, T0, T0 + 60 * S)]);
    await clock.advance(5 * M);
    d.insert([alert({ service_name: 'checkout', instance: 'b' }, T0, T0 + 400 * S)]);
    await clock.advance(10 * M);
    expect(sent).toEqual([{ at: 30, status: 'firing', alerts: ['a:firing', 'b:firing'], truncated: 0 }]);
    expect(d.snapshot()).toEqual([]);
  });

  it('cuts to max_alerts and reports how many were left out', async () => {
    const { d, clock, sent } = setup({ maxAlerts: 2 });
    d.insert(['c', 'a', 'b'].map((i) => alert({ service_name: 'checkout', instance: i }, T0)));
    await clock.advance(30 * S);
    expect(sent).toEqual([{ at: 30, status: 'firing', alerts: ['a:firing', 'b:firing'], truncated: 1 }]);
  });

  it('groups by all labels with ... and keeps groups apart', async () => {
    const { d, clock, sent, messages } = setup({ groupBy: ['...'] });
    d.insert([alert({ service_name: 'checkout', instance: 'a' }, T0), alert({ service_name: 'cart', instance: 'a' }, T0)]);
    await clock.advance(30 * S);
    expect(sent.length).toBe(2);
    expect(messages.map((m) => m.groupKey).sort()).toEqual([
      '{}:{alertname="HighErrorRatio", instance="a", service_name="cart"}',
      '{}:{alertname="HighErrorRatio", instance="a", service_name="checkout"}',
    ]);
  });

  it('flushes at once an alert that began more than group_wait ago', async () => {
    const { d, clock, sent } = setup();
    d.insert([alert({ service_name: 'checkout', instance: 'a' }, T0 - 10 * M)]);
    await clock.advance(0);
    expect(sent.map((s) => s.at)).toEqual([0]);
  });

  it('retries a failed delivery at the next group_interval', async () => {
    const { d, clock, sent, failures } = setup();
    failures.left = 1;
    d.insert([alert({ service_name: 'checkout', instance: 'a' }, T0)]);
    await clock.advance(30 * S);
    expect(sent).toEqual([]);
    await clock.advance(5 * M);
    expect(sent.map((s) => s.at)).toEqual([330]);
  });
});

describe('notification log across a restart', () => {
  it('does not notify again for what was sent, through the samples form, and does for a new alert', async () => {
    const first = setup();
    first.d.insert([alert({ service_name: 'checkout', instance: 'a' }, T0)]);
    await first.clock.advance(30 * S);
    expect(first.sent.length).toBe(1);
    await first.d.stop();
    const samples = notificationLogSamples(first.log, first.clock.now());
    expect(samples).toEqual([
      {
        labels: {
          __name__: 'braid_notification_last_sent_timestamp_seconds',
          receiver: 'oncall',
          group_key: '{}:{alertname="HighErrorRatio", service_name="checkout"}',
          firing: fingerprint({ alertname: 'HighErrorRatio', service_name: 'checkout', instance: 'a' }),
          resolved: '',
        },
        t: T0 + 30 * S,
        v: (T0 + 30 * S) / 1000,
      },
    ]);
    // A new process two minutes later: the log restored from the samples, the alert re-sent by the evaluator.
    const clock = new FakeClock(T0 + 150 * S);
    const restored = createMemoryNotificationLog({ now: () => clock.now() });
    restored.restoreState(entriesFromSamples(samples));
    const second = setup({}, restored, clock);
    second.d.insert([alert({ service_name: 'checkout', instance: 'a' }, T0)]);
    await clock.advance(10 * M);
    expect(second.sent).toEqual([]);
    second.d.insert([alert({ service_name: 'checkout', instance: 'b' }, T0 + 12 * M)]);
    await clock.advance(5 * M);
    expect(second.sent).toEqual([{ at: 1050, status: 'firing', alerts: ['a:firing', 'b:firing'], truncated: 0 }]);
  });

  it('exports and restores its state as JSON', () => {
    const log = createMemoryNotificationLog({ now: () => T0 });
    log.log({ receiver: 'r', groupKey: 'g', timestampMs: T0, firing: ['b', 'a'], resolved: [] });
    const copy = createMemoryNotificationLog({ now: () => T0 });
    copy.restoreState(JSON.parse(JSON.stringify(log.exportState())));
    expect(copy.query('r', 'g')).toEqual({ receiver: 'r', groupKey: 'g', timestampMs: T0, firing: ['a', 'b'], resolved: [] });
  });
});
