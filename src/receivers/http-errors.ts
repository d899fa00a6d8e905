/**
 * Maps the failures an HTTP receiver meets outside its own decoder (fastify's body limit and
 * media-type errors, broken gzip) to registry errors, so every receiver answers them alike.
 */
import { BraidError, type ErrorCode } from '../errors.js';

/** How one receiver names its own decode error and the content types it accepts. */
export interface HttpErrorContext {
  /** The registry code for a body the receiver cannot decode, e.g. BRAID_ERR_OTLP_DECODE. */
  decodeCode: ErrorCode;
  /** The accepted content types as a phrase, e.g. "application/x-protobuf or application/json". */
  contentTypes: string;
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message: string;
}

/** Translates fastify's own errors (body too large, bad media type, ...) into registry errors. */
export function toBraidError(err: unknown, ctx: HttpErrorContext): BraidError {
  if (err instanceof BraidError) return err;
  const f = err as FastifyLikeError;
  switch (f.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BraidError('BRAID_ERR_HTTP_BODY_TOO_LARGE', `request body exceeds the limit: ${f.message}`, { cause: err });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new BraidError('BRAID_ERR_HTTP_CONTENT_TYPE', `unsupported Content-Type: use ${ctx.contentTypes}`, { cause: err });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new BraidError(ctx.decodeCode, 'empty JSON body', { cause: err });
    default:
      break;
  }
  if (f.code === 'Z_DATA_ERROR' || f.code === 'Z_BUF_ERROR') {
    return new BraidError(ctx.decodeCode, `body is not valid gzip: ${f.message}`, { cause: err });
  }
  if (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    return new BraidError(ctx.decodeCode, f.message, { cause: err });
  }
  return new BraidError('BRAID_ERR_INTERNAL', `internal error: ${f.message}`, { cause: err });
}
