/** label_replace and label_join (promql/functions.go). */
import { execError } from './eval.js';
import { compileRegex, compileTemplate, expand } from './regex.js';
import { isValidUtf8 } from './literals.js';
import type { Labels } from './types.js';
import type { Sample } from './values.js';

/** Prometheus 3's label name rule (model.UTF8Validation): any non-empty valid UTF-8 string. */
export function isValidLabelName(name: string): boolean {
  return name !== '' && isValidUtf8(name);
}

function setLabel(l: Labels, name: string, value: string): Labels {
  const out = { ...l };
  if (value === '') delete out[name];
  else out[name] = value;
  return out;
}

/** label_replace(v, dst, replacement, src, regex). */
export function labelReplace(vec: Sample[], dst: string, replacement: string, src: string, regex: string): Sample[] {
  let re;
  try {
    re = compileRegex(regex, 'regex');
  } catch {
    return execError(`invalid regular expression in label_replace(): ${regex}`);
  }
  if (!isValidLabelName(dst)) execError(`invalid destination label name in label_replace(): ${dst}`);
  const template = compileTemplate(replacement, re);
  return vec.map((s) => {
    const m = re.matcher.exec(s.metric[src] ?? '');
    if (m === null) return s;
    return { ...s, metric: setLabel(s.metric, dst, expand(template, m)) };
  });
}

/** label_join(v, dst, separator, src...). */
export function labelJoin(vec: Sample[], dst: string, sep: string, srcs: string[]): Sample[] {
  for (const s of srcs) if (!isValidLabelName(s)) execError(`invalid source label name in label_join(): ${s}`);
  if (!isValidLabelName(dst)) execError(`invalid destination label name in label_join(): ${dst}`);
  return vec.map((s) => ({ ...s, metric: setLabel(s.metric, dst, srcs.map((n) => s.metric[n] ?? '').join(sep)) }));
}
