import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/telemetry/logger.js';

const capture = () => {
  const lines: string[] = [];
  return { lines, log: createLogger('info', { write: (l: string) => void lines.push(l) }) };
};

describe('logger redaction', () => {
  it('blanks credentials in headers and secret-named fields at any of the first levels, keeps the rest', () => {
    const { lines, log } = capture();
    log.child({ component: 'x' }).info(
      {
        req: { headers: { authorization: 'Bearer tok-1', 'content-type': 'application/json' } },
        headers: { authorization: 'Basic dXNlcjpwdw==' },
        config: { storage: { elasticsearch: { url: 'http://es:9200', password: 'pw-2', api_key: 'key-3' } }, queue: { kafka: { sasl: { username: 'u', password: 'pw-4' } } } },
        token: 'tok-5',
        tenant: 'acme',
      },
      'start',
    );
    const line = lines.join('');
    for (const secret of ['tok-1', 'dXNlcjpwdw==', 'pw-2', 'key-3', 'pw-4', 'tok-5']) expect(line).not.toContain(secret);
    const parsed = JSON.parse(line) as Record<string, unknown> & { config: { storage: { elasticsearch: Record<string, string> } } };
    expect(parsed.config.storage.elasticsearch).toEqual({ url: 'http://es:9200', password: '[redacted]', api_key: '[redacted]' });
    expect(parsed.tenant).toBe('acme');
    expect(parsed.req).toEqual({ headers: { authorization: '[redacted]', 'content-type': 'application/json' } });
  });
});
