/**
 * RE2 regexes and Go templates for PromQL (matchers, label_replace), reusing the scraper's RE2 ->
 * JavaScript translator so that both accept, reject and match exactly alike. The one place the
 * engine reaches into src/receivers: move the translator to a shared folder when a third user appears.
 */
export { compileRegex, type CompiledRegex } from '../receivers/prometheus/scrape/re2.js';
export { compileTemplate, expand } from '../receivers/prometheus/scrape/relabel-template.js';
