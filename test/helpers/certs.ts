/**
 * Test certificates made by the real `openssl` CLI: a CA, a server certificate for 127.0.0.1 and
 * localhost, and a client certificate, as PEM files in a fresh directory. Used by the TLS tests of
 * Braid's listeners, the TLS Kafka broker and the nginx proxy in front of Elasticsearch.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Paths of the PEM files of one test PKI. */
export interface TestPki {
  dir: string;
  caCert: string;
  caKey: string;
  /** Issues another certificate signed by this CA (for rotation tests): returns its cert and key paths. */
  issue(name: string, options?: { cn?: string; client?: boolean }): { cert: string; key: string };
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

/** Makes a CA and a server and client certificate under a new temporary directory. */
export function makeTestPki(prefix = 'braid-pki-'): TestPki {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Braid test CA'], dir);
  let serial = 1;
  const issue = (name: string, options: { cn?: string; client?: boolean } = {}) => {
    const ext = options.client
      ? 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n'
      : 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n';
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${options.cn ?? name}`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(serial++), '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`], dir);
    return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  };
  const server = issue('server', { cn: 'localhost' });
  const client = issue('client', { cn: 'braid-client', client: true });
  return { dir, caCert: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key'), issue, serverCert: server.cert, serverKey: server.key, clientCert: client.cert, clientKey: client.key };
}
