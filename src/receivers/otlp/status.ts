/**
 * google.rpc.Status, the body of OTLP/HTTP errors and the details of gRPC errors, with a
 * google.rpc.RetryInfo detail on retryable answers so exporters know how long to wait.
 */
const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n >>> 0 === n ? n : n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

function field(num: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((num << 3) | 2), varint(payload.length), payload]);
}

function intField(num: number, value: number): Buffer {
  return value === 0 ? Buffer.alloc(0) : Buffer.concat([varint(num << 3), varint(value)]);
}

/** Protobuf bytes of a google.rpc.Status, with RetryInfo when `retryAfterSeconds` is set. */
export function encodeStatus(code: number, message: string, retryAfterSeconds?: number): Buffer {
  const parts = [intField(1, code), field(2, Buffer.from(message, 'utf8'))];
  if (retryAfterSeconds !== undefined) {
    const duration = intField(1, retryAfterSeconds); // google.protobuf.Duration.seconds
    const retryInfo = field(1, duration); // RetryInfo.retry_delay
    const any = Buffer.concat([field(1, Buffer.from(RETRY_INFO_TYPE)), field(2, retryInfo)]);
    parts.push(field(3, any));
  }
  return Buffer.concat(parts);
}

/** The JSON form of a google.rpc.Status (proto3 JSON mapping). */
export function statusJson(code: number, message: string, retryAfterSeconds?: number): Record<string, unknown> {
  const body: Record<string, unknown> = { code, message };
  if (retryAfterSeconds !== undefined) body.details = [{ '@type': RETRY_INFO_TYPE, retryDelay: `${retryAfterSeconds}s` }];
  return body;
}
