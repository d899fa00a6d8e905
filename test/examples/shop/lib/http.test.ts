import { describe, expect, it } from 'vitest';
import { matchRoute } from '../../../../examples/shop/lib/http.js';
import { readServiceEnv, ServiceEnvError } from '../../../../examples/shop/lib/service.js';

describe('matchRoute', () => {
  it('binds parameters and rejects other shapes', () => {
    expect(matchRoute('/users/:id', '/users/42')).toEqual({ id: '42' });
    expect(matchRoute('/users/:id', '/users/a%20b')).toEqual({ id: 'a b' });
    expect(matchRoute('/users/:id', '/users/')).toBeUndefined();
    expect(matchRoute('/users/:id', '/users/1/x')).toBeUndefined();
    expect(matchRoute('/charge', '/charge')).toEqual({});
    expect(matchRoute('/charge', '/charges')).toBeUndefined();
  });
});

describe('readServiceEnv', () => {
  it('reads the contract variables', () => {
    expect(readServiceEnv('order', {
      SHOP_PORT: '8081', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317', SHOP_USER_URL: 'http://127.0.0.1:8082',
      BRAID_OTLP_HTTP: 'http://127.0.0.1:4318',
    })).toEqual({
      port: 8081, otlpGrpc: 'http://127.0.0.1:4317', serviceName: 'order', peers: { user: 'http://127.0.0.1:8082' }, otlpHttp: 'http://127.0.0.1:4318',
    });
    expect(readServiceEnv('payment', { OTEL_SERVICE_NAME: 'pay', SHOP_LOG_FILE: '/tmp/p.log' })).toMatchObject({ port: 0, serviceName: 'pay', logFile: '/tmp/p.log' });
  });

  it.each([
    [{ SHOP_PORT: 'eighty' }, 'SHOP_PORT: must be a port number 0-65535, got "eighty"'],
    [{ SHOP_PORT: '70000' }, 'SHOP_PORT: must be a port number 0-65535, got "70000"'],
    [{ SHOP_PAYMENT_URL: '127.0.0.1:9' }, 'SHOP_PAYMENT_URL: must be an http(s) URL, got "127.0.0.1:9"'],
  ])('%j is rejected', (env, message) => {
    expect(() => readServiceEnv('order', env)).toThrow(new ServiceEnvError(message));
  });
});
