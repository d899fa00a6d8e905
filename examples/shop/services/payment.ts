// payment: charges a card through a fake card gateway (a CLIENT span). With the failure ratio
// switched on, the gateway declines: both spans fail, an ERROR line is logged under the payment
// server span, and the answer is 502. Logs go to SHOP_LOG_FILE, for rsyslog or the shipper.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { setTimeout as sleep } from 'node:timers/promises';
import { hits } from '../lib/faults.js';
import { HttpError } from '../lib/http.js';
import { runService } from '../lib/service.js';

function chargeRequest(body: unknown): { amount_cents: number; user_id: number } {
  const value = (body ?? {}) as Record<string, unknown>;
  const amount = value.amount_cents;
  const user = value.user_id;
  if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0) throw new HttpError(400, 'amount_cents: must be a positive whole number');
  if (typeof user !== 'number') throw new HttpError(400, 'user_id: must be a number');
  return { amount_cents: amount, user_id: user };
}

await runService({
  name: 'payment',
  logs: 'file',
  routes: ({ tracer, log, faults }) => [
    {
      method: 'POST',
      pattern: '/charge',
      async handler({ body }) {
        const charge = chargeRequest(body);
        const gateway = tracer.startSpan('card-gateway authorize', {
          kind: SpanKind.CLIENT,
          attributes: { 'peer.service': 'card-gateway', 'server.address': 'gateway.card.example', 'payment.amount_cents': charge.amount_cents },
        });
        await sleep(5 + Math.random() * 20);
        const declined = hits(faults.failure_ratio);
        if (declined) gateway.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
        gateway.end();
        if (declined) {
          // Logged here, in the server span's context: the line belongs to the payment request.
          log.log('error', `card declined by gateway for user ${charge.user_id} (${charge.amount_cents} cents)`, { ...charge, reason: 'insufficient_funds' });
          throw new HttpError(502, 'card declined');
        }
        const id = `ch_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
        log.log('info', `charged ${charge.amount_cents} cents to user ${charge.user_id}`, { ...charge, charge_id: id });
        return { body: { charge_id: id, ...charge } };
      },
    },
  ],
});
