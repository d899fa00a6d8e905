/**
 * The one error registry. Every error Braid reports to a sender or an operator has a stable code
 * `BRAID_ERR_<AREA>_<WHAT>`, an HTTP status and a gRPC status, so receivers answer each protocol
 * the same way and tests can assert the exact code.
 */

/** gRPC status codes used by Braid (grpc/doc/statuscodes.md). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** One entry of the registry: how an error of this code is answered. */
export interface ErrorSpec {
  readonly http: number;
  readonly grpc: number;
  /** Transient errors may succeed when retried; permanent ones never will. */
  readonly transient: boolean;
}

const spec = (http: number, grpc: number, transient = false): ErrorSpec => ({ http, grpc, transient });

/** Every error code Braid can raise. */
export const ErrorCodes = {
  BRAID_ERR_CONFIG_INVALID: spec(500, GrpcStatus.INTERNAL),
  BRAID_ERR_CONFIG_READ: spec(500, GrpcStatus.INTERNAL),
  BRAID_ERR_OTLP_DECODE: spec(400, GrpcStatus.INVALID_ARGUMENT),
  BRAID_ERR_OTLP_INVALID: spec(400, GrpcStatus.INVALID_ARGUMENT),
  BRAID_ERR_ZIPKIN_DECODE: spec(400, GrpcStatus.INVALID_ARGUMENT),
  BRAID_ERR_NDJSON_INVALID: spec(400, GrpcStatus.INVALID_ARGUMENT),
  BRAID_ERR_ZIPKIN_INVALID: spec(400, GrpcStatus.INVALID_ARGUMENT),
  BRAID_ERR_REMOTE_WRITE_DECODE: spec(400, GrpcStatus.INVALID_ARGUMENT),
  BRAID_ERR_HTTP_CONTENT_TYPE: spec(415, GrpcStatus.INVALID_ARGUMENT),
  BRAID_ERR_HTTP_ENCODING: spec(415, GrpcStatus.INVALID_ARGUMENT),
  BRAID_ERR_HTTP_BODY_TOO_LARGE: spec(413, GrpcStatus.RESOURCE_EXHAUSTED),
  // The OTLP/gRPC server's protocol answers (src/receivers/otlp/grpc-call.ts); HTTP codes only for the log.
  BRAID_ERR_GRPC_METHOD: spec(405, GrpcStatus.UNIMPLEMENTED),
  BRAID_ERR_GRPC_UNIMPLEMENTED: spec(404, GrpcStatus.UNIMPLEMENTED),
  BRAID_ERR_GRPC_ENCODING: spec(415, GrpcStatus.UNIMPLEMENTED),
  BRAID_ERR_GRPC_MESSAGE_TOO_LARGE: spec(413, GrpcStatus.RESOURCE_EXHAUSTED),
  BRAID_ERR_GRPC_PROTOCOL: spec(400, GrpcStatus.INTERNAL),
  BRAID_ERR_GRPC_DEADLINE: spec(504, GrpcStatus.DEADLINE_EXCEEDED, true),
  BRAID_ERR_GRPC_CANCELLED: spec(499, GrpcStatus.CANCELLED, true),
  // Requests still arriving hold more bytes than the receiver's budget: retry later (RetryInfo).
  BRAID_ERR_GRPC_BUSY: spec(503, GrpcStatus.UNAVAILABLE, true),
  BRAID_ERR_QUEUE_UNAVAILABLE: spec(503, GrpcStatus.UNAVAILABLE, true),
  BRAID_ERR_QUEUE_FULL: spec(429, GrpcStatus.UNAVAILABLE, true),
  BRAID_ERR_QUEUE_MESSAGE_TOO_LARGE: spec(413, GrpcStatus.RESOURCE_EXHAUSTED),
  BRAID_ERR_STORE_UNAVAILABLE: spec(503, GrpcStatus.UNAVAILABLE, true),
  BRAID_ERR_STORE_REJECTED: spec(500, GrpcStatus.INTERNAL),
  // Kafka or Elasticsearch refused Braid's credentials, or TLS trust failed either way: retrying
  // cannot help until the config changes, so start-up stops (the message names the settings, never a secret).
  BRAID_ERR_QUEUE_AUTH: spec(500, GrpcStatus.INTERNAL),
  BRAID_ERR_STORE_AUTH: spec(500, GrpcStatus.INTERNAL),
  BRAID_ERR_QUERY_INVALID: spec(400, GrpcStatus.INVALID_ARGUMENT),
  BRAID_ERR_QUERY_NOT_FOUND: spec(404, GrpcStatus.NOT_FOUND),
  // Prometheus's API answers bad_data (400) for parse errors and execution errors with 422.
  BRAID_ERR_PROMQL_PARSE: spec(400, GrpcStatus.INVALID_ARGUMENT),
  BRAID_ERR_PROMQL_EXEC: spec(422, GrpcStatus.INVALID_ARGUMENT),
  // Rule files that fail validation (braid rules check, reload) and rules whose evaluation fails.
  BRAID_ERR_RULES_INVALID: spec(400, GrpcStatus.INVALID_ARGUMENT),
  BRAID_ERR_RULES_EVAL: spec(422, GrpcStatus.INVALID_ARGUMENT),
  BRAID_ERR_TEMPLATE_PARSE: spec(400, GrpcStatus.INVALID_ARGUMENT),
  BRAID_ERR_TEMPLATE_EXEC: spec(422, GrpcStatus.INVALID_ARGUMENT),
  BRAID_ERR_NOTIFY_CONFIG: spec(500, GrpcStatus.INTERNAL),
  // The alerter's snapshot on the state topic does not decode: the query process keeps the last good one.
  BRAID_ERR_ALERTER_SNAPSHOT_INVALID: spec(500, GrpcStatus.INTERNAL),
  // A receiver answered 5xx, timed out or could not be reached: retried with backoff.
  BRAID_ERR_NOTIFY_UNAVAILABLE: spec(503, GrpcStatus.UNAVAILABLE, true),
  // A receiver refused the notification (a 4xx): not retried.
  BRAID_ERR_NOTIFY_REJECTED: spec(502, GrpcStatus.INTERNAL),
  BRAID_ERR_SHUTTING_DOWN: spec(503, GrpcStatus.UNAVAILABLE, true),
  // Security and tenancy (issue 14): no or wrong credentials, a tenant ID that cannot name indices.
  BRAID_ERR_AUTH_UNAUTHENTICATED: spec(401, GrpcStatus.UNAUTHENTICATED),
  BRAID_ERR_TENANT_INVALID: spec(400, GrpcStatus.INVALID_ARGUMENT),
  // A tenant's ingest rate limit: retry later (429 with Retry-After; RESOURCE_EXHAUSTED with RetryInfo).
  BRAID_ERR_LIMIT_RATE: spec(429, GrpcStatus.RESOURCE_EXHAUSTED, true),
  // A record past a per-record limit (attributes, labels): rejected for good, named in the answer.
  BRAID_ERR_LIMIT_RECORD: spec(400, GrpcStatus.INVALID_ARGUMENT),
  // A query past a query limit (range, samples): 422 as Prometheus answers query.max-samples.
  BRAID_ERR_LIMIT_QUERY: spec(422, GrpcStatus.RESOURCE_EXHAUSTED),
  // A query that ran past limits.query_timeout (Prometheus: errorType "timeout", 503).
  BRAID_ERR_QUERY_TIMEOUT: spec(503, GrpcStatus.DEADLINE_EXCEEDED),
  BRAID_ERR_INFRA: spec(500, GrpcStatus.INTERNAL),
  BRAID_ERR_INTERNAL: spec(500, GrpcStatus.INTERNAL),
} as const satisfies Record<string, ErrorSpec>;

/** A registered error code. */
export type ErrorCode = keyof typeof ErrorCodes;

/** An error from the registry: code, message, statuses, and the cause when there is one. */
export class BraidError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly grpcStatus: number;
  readonly transient: boolean;
  /** Seconds a client should wait before retrying, for transient errors answered over HTTP/gRPC. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BraidError';
    this.code = code;
    const s: ErrorSpec = ErrorCodes[code];
    this.httpStatus = s.http;
    this.grpcStatus = s.grpc;
    this.transient = s.transient;
    this.retryAfterSeconds = options.retryAfterSeconds ?? (s.transient ? 1 : undefined);
  }
}

/** True when `err` is a BraidError of the given code. */
export function isBraidError(err: unknown, code?: ErrorCode): err is BraidError {
  return err instanceof BraidError && (code === undefined || err.code === code);
}

/** Classifies any failure: BraidErrors carry their own class; unknown failures count as transient. */
export function isTransient(err: unknown): boolean {
  return err instanceof BraidError ? err.transient : true;
}
