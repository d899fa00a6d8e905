/** The template functions rules use: Braid's Go text/template engine (src/alerting/templates) with Prometheus's functions. */
export { expandTemplate, parseTemplate, type AlertTemplateData, type ExpandOptions } from '../templates/index.js';
