/**
 * RE2 regexes and Go templates for PromQL (matchers, label_replace): the same code as relabel
 * rules use (src/model/text), so that both accept, reject and match exactly alike.
 */
export { compileRegex, type CompiledRegex } from '../model/text/regex.js';
export { compileTemplate, expand } from '../model/text/template.js';
