/**
 * The template functions rules use. A stand-in until the template engine (src/alerting/templates/)
 * lands: it expands `{{ $labels.x }}`, `{{ $externalLabels.x }}`, `{{ $value }}` and
 * `{{ $externalURL }}` and rejects unbalanced braces, with the engine's signatures.
 */
import type { Labels } from '../../promql/types.js';

/** What a rule template sees. */
export interface TemplateData {
  labels: Labels;
  externalLabels: Labels;
  externalURL: string;
  value: number;
}

/** Options of one expansion: the query function of `query`, the template's name in errors. */
export interface TemplateOptions {
  query?: (q: string) => Promise<Array<{ labels: Labels; value: number }>>;
  name?: string;
}

const ACTION = /\{\{-?\s*(.*?)\s*-?\}\}/gs;

/** Throws when `text` is not a valid template. */
export function parseTemplate(text: string, name: string): void {
  const open = text.split('{{').length - 1;
  const close = text.split('}}').length - 1;
  if (open !== close) throw new Error(`template: ${name}:1: unclosed action`);
}

/** Expands `text` with `data`. */
export async function expandTemplate(text: string, data: TemplateData, opts: TemplateOptions = {}): Promise<string> {
  parseTemplate(text, opts.name ?? 'template');
  return text.replace(ACTION, (_all, body: string) => {
    const m = /^\$(labels|externalLabels)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(body);
    if (m !== null) return (m[1] === 'labels' ? data.labels : data.externalLabels)[m[2]!] ?? '<no value>';
    if (body === '$value') return String(data.value);
    if (body === '$externalURL') return data.externalURL;
    return '';
  });
}
