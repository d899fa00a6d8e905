/** Structured JSON logs (pino). Components get a child logger named after themselves. */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the process logger; JSON lines on stdout, level from config. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'braid' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
