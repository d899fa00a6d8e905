/**
 * The scraper's HTTP client: one GET with the scrape's headers, TLS settings and deadline,
 * gzip accepted, the body bounded. Node's http/https directly, because fetch takes no TLS options.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createGunzip } from 'node:zlib';

/** TLS settings of a scrape (Prometheus's tls_config), files already read. */
export interface ScrapeTls {
  ca?: string;
  cert?: string;
  key?: string;
  serverName?: string;
  insecureSkipVerify?: boolean;
}

/** What one scrape asks for. */
export interface ScrapeRequest {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  tls?: ScrapeTls;
  /** A decompressed body of this many bytes or more fails the scrape, as Prometheus checks body_size_limit. */
  maxBodyBytes: number;
}

/** What one scrape got. */
export interface ScrapeResponse {
  status: number;
  contentType: string;
  body: string;
}

/** GETs `req.url`; rejects on network errors, the deadline or an oversized body. */
export function scrapeGet(req: ScrapeRequest): Promise<ScrapeResponse> {
  const url = new URL(req.url);
  const https = url.protocol === 'https:';
  const tls = req.tls ?? {};
  return new Promise((resolve, reject) => {
    const options = {
      method: 'GET',
      headers: { 'accept-encoding': 'gzip', 'user-agent': 'Braid-Scraper', ...req.headers },
      signal: AbortSignal.timeout(req.timeoutMs),
      ...(https ? { ca: tls.ca, cert: tls.cert, key: tls.key, servername: tls.serverName, rejectUnauthorized: !tls.insecureSkipVerify } : {}),
    };
    const onResponse = (res: IncomingMessage) => {
      const gzip = String(res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
      const stream = gzip ? res.pipe(createGunzip()) : res;
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size >= req.maxBodyBytes) {
          res.destroy();
          reject(new Error(`body size is bigger than the configured limit (${req.maxBodyBytes} bytes)`));
          return;
        }
        chunks.push(c);
      });
      stream.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
      stream.on('error', reject);
    };
    const r = https ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
    r.on('error', (err) => reject(err.name === 'AbortError' || err.name === 'TimeoutError' ? new Error(`context deadline exceeded (${req.timeoutMs} ms)`) : err));
    r.end();
  });
}
