/**
 * Body handling shared by every HTTP receiver on one fastify instance: JSON and protobuf bodies
 * arrive as raw Buffers (each receiver decodes through its own validated path), and gzip or
 * deflate bodies are inflated before the body limit is applied. Call it once per server:
 * fastify refuses a second parser for the same content type.
 */
import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { BraidError } from '../errors.js';

/** The Prometheus remote write route, the one route that takes `Content-Encoding: snappy`. */
export const REMOTE_WRITE_PATH = '/api/v1/write';

/** Content types whose bodies reach the routes as Buffers. */
export const BUFFER_CONTENT_TYPES = ['application/x-protobuf', 'application/json', 'application/x-ndjson', 'application/ndjson', 'application/jsonlines'] as const;

/** Registers the Buffer body parsers and the decompression hook on `app`. */
export function registerHttpBody(app: FastifyInstance): void {
  app.addContentTypeParser([...BUFFER_CONTENT_TYPES], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // Decompress before the body limit is applied, so the limit bounds the decoded size too.
  app.addHook('preParsing', async (req, _reply, payload) => {
    const enc = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (enc === 'identity' || enc === '') return payload;
    // Prometheus remote write is snappy block-compressed; its route decompresses it itself.
    if (enc === 'snappy' && req.url.split('?')[0] === REMOTE_WRITE_PATH) return payload;
    if (enc === 'gzip' || enc === 'deflate') {
      const inflated = Object.assign(payload.pipe(enc === 'gzip' ? createGunzip() : createInflate()), { receivedEncodedLength: 0 });
      // fastify compares this with Content-Length, which counts the compressed bytes.
      payload.on('data', (chunk: Buffer) => (inflated.receivedEncodedLength += chunk.length));
      // A body fastify never reads (an unsupported Content-Type is answered 415 first) still inflates:
      // without a listener of its own, a broken gzip stream's error was uncaught and ended the process.
      // fastify's own listener, when it reads the body, still turns the error into a 400.
      inflated.on('error', () => undefined);
      return inflated;
    }
    throw new BraidError('BRAID_ERR_HTTP_ENCODING', `unsupported Content-Encoding "${enc}": use gzip or none${enc === 'snappy' ? ` (snappy is for ${REMOTE_WRITE_PATH} only)` : ''}`);
  });
}
