/**
 * The auth check of Braid's fastify servers: an onRequest hook, so a refused request's body is
 * never read, decoded or queued. It sets `request.tenant`, or answers 401 in the listener's own
 * error shape (OTLP google.rpc.Status, Elasticsearch's security_exception, the query APIs'
 * envelopes, plain text) with `WWW-Authenticate`, so a browser on the query port prompts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BraidError } from '../errors.js';
import { encodeStatus, statusJson } from '../receivers/otlp/status.js';
import type { ListenerSecurity } from './index.js';

/** The challenges of a 401: Basic first, so browsers prompt; Bearer for API clients. */
export const WWW_AUTHENTICATE = ['Basic realm="braid", charset="UTF-8"', 'Bearer realm="braid"'];

const pathOf = (url: string) => url.split('?', 1)[0]!;
const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Checks every request of `app` (except paths `exempt` accepts) and sets `request.tenant`. */
export function installAuth(app: FastifyInstance, listener: string, security: ListenerSecurity, exempt: (path: string) => boolean = () => false): void {
  if (security.auth.open) return;
  app.addHook('onRequest', async (req, reply) => {
    if (exempt(pathOf(req.url))) return;
    const r = security.auth.authenticate({ authorization: req.headers.authorization, scopeOrgId: header(req.headers['x-scope-orgid']), remoteAddress: req.socket.remoteAddress });
    if (r.ok) {
      req.tenant = r.tenant;
      return;
    }
    security.refused(listener, r.reason);
    if (r.error.httpStatus === 401) reply.header('www-authenticate', WWW_AUTHENTICATE);
    return sendRefusal(listener, req, reply, r.error);
  });
}

/** Answers `err` (401, or 400 for a bad X-Scope-OrgID) in the shape the listener's clients read. */
function sendRefusal(listener: string, req: FastifyRequest, reply: FastifyReply, err: BraidError): FastifyReply {
  const status = err.httpStatus;
  const message = `${err.code}: ${err.message}`;
  const path = pathOf(req.url);
  reply.code(status);
  if (listener === 'otlp-http' && path.startsWith('/v1/')) {
    const protobuf = String(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-protobuf');
    return protobuf ? reply.type('application/x-protobuf').send(encodeStatus(err.grpcStatus, message)) : reply.type('application/json').send(statusJson(err.grpcStatus, message));
  }
  if (listener === 'elasticsearch-receiver') {
    const error = { type: status === 401 ? 'security_exception' : 'illegal_argument_exception', reason: message };
    return reply.header('x-elastic-product', 'Elasticsearch').send({ error: { root_cause: [error], ...error }, status });
  }
  if (listener === 'query') {
    if (path.startsWith('/prometheus/')) return reply.send({ status: 'error', errorType: status === 401 ? 'unauthorized' : 'bad_data', error: err.message });
    if (path.startsWith('/braid/')) return reply.send({ error: { code: status, message } });
    return reply.send({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: status, msg: message }] });
  }
  // Zipkin, remote write and the admin port answer errors as text.
  return reply.type('text/plain; charset=utf-8').send(`${message}\n`);
}
