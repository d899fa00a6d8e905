/** Free TCP ports on 127.0.0.1 for the chaos run's servers. */
import { createServer } from 'node:net';

function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const p = await listenOnce(0);
  if (p === undefined) throw new Error('no free port on 127.0.0.1');
  return p;
}

/** A free port p whose companion p + `offset` (Kafka's controller, ES's transport) is free too. */
export async function freePortWith(offset: number): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort();
    if (p + offset < 65_000 && (await listenOnce(p + offset)) !== undefined) return p;
  }
  throw new Error(`no free port p with p + ${offset} free on 127.0.0.1`);
}
