/** The on-call peer of the alerter fault: a real HTTP server that counts Alertmanager-format webhook calls. */
import { createServer, type Server } from 'node:http';

/** One alert as a webhook payload carries it. */
export interface HookAlert {
  status: string;
  labels: Record<string, string>;
  startsAt: string;
}

/** A running receiver: its URL, every alert it was told about (in order), and stop. */
export interface WebhookReceiver {
  url: string;
  alerts: HookAlert[];
  /** How many notifications said `alertname` was firing. */
  firing(alertname: string): number;
  stop(): Promise<void>;
}

/** Starts the receiver on a free port of 127.0.0.1. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const alerts: HookAlert[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
    req.on('end', () => {
      try {
        const body = JSON.parse(raw) as { alerts?: HookAlert[] };
        alerts.push(...(body.alerts ?? []));
        res.end();
      } catch {
        res.statusCode = 400;
        res.end('not JSON');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hook`,
    alerts,
    firing: (name) => alerts.filter((a) => a.status === 'firing' && a.labels.alertname === name).length,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
