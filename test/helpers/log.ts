/** A pino logger whose JSON lines a test can read. */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** A debug-level logger and the lines it wrote, parsed. */
export function captureLog(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, dest), lines };
}
