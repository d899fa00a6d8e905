/**
 * CPU per auth check by the number of tokens, for a token that is the first, the last or absent
 * (docs/adr/0018): `node --import tsx test/security/lookup-bench.ts`. Prints the median and range
 * of 5 runs in ns of process CPU per check.
 */
import { TokenTable } from '../../src/security/tokens.js';
import { createTokenAuthenticator, parseTrustedProxies } from '../../src/security/authenticator.js';
const sizes = [1, 10, 100, 1000];
for (const n of sizes) {
  const t = TokenTable.parse(Array.from({ length: n }, (_, i) => `t${i}:token-${i}-abcdefabcdefabcdef`).join('\n'), 'f');
  const auth = createTokenAuthenticator(() => t, parseTrustedProxies([]));
  const cases = { first: 'token-0-abcdefabcdefabcdef', last: `token-${n - 1}-abcdefabcdefabcdef`, absent: 'nope-abcdefabcdefabcdefabc' };
  const out: string[] = [];
  for (const [name, tok] of Object.entries(cases)) {
    const h = `Bearer ${tok}`;
    const iters = Math.max(2000, Math.floor(200000 / n));
    for (let i = 0; i < iters; i++) auth.authenticate({ authorization: h });
    const runs: number[] = [];
    for (let r = 0; r < 5; r++) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < iters; i++) auth.authenticate({ authorization: h });
      const c = process.cpuUsage(c0);
      runs.push(((c.user + c.system) * 1000) / iters);
    }
    runs.sort((a, b) => a - b);
    out.push(`${name} ${runs[2]!.toFixed(0)} ns (${runs[0]!.toFixed(0)}-${runs[4]!.toFixed(0)})`);
  }
  console.log(`tokens=${n}: ${out.join('; ')}`);
}
