/** Structured JSON logs (pino). Components get a child logger named after themselves. */
import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks before a line is written: credentials in request headers, and any field
 * named like a secret at the top level or up to three levels down (a config or options object
 * logged whole, say). Secrets never reach the logs (issue 14).
 */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  ...['password', 'api_key', 'apiKey', 'token', 'tokens', 'secret', 'sasl', 'credentials'].flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]),
];

/** Creates the process logger; JSON lines on stdout, level from config. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'braid' }, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
