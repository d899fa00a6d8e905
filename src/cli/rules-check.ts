/** `braid rules check FILES...`: validates rule files as `promtool check rules` does, with its output. */
import { loadRuleFile } from '../alerting/rules/load.js';

/** Checks each file; prints `Checking F` and `  SUCCESS: N rules found` or `  FAILED:` and the errors; returns the exit code. */
export async function rulesCheck(files: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let failed = false;
  for (const f of files) {
    out(`Checking ${f}\n`);
    const r = await loadRuleFile(f);
    if (r.errors.length > 0) {
      failed = true;
      err('  FAILED:\n');
      for (const e of r.errors) err(`${e}\n`);
      continue;
    }
    out(`  SUCCESS: ${r.groups.reduce((n, g) => n + g.rules.length, 0)} rules found\n`);
    out('\n');
  }
  return failed ? 1 : 0;
}
