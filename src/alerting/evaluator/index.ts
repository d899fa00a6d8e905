/** The rule evaluator: groups, alert state, the rule manager and the rules/alerts API data. */
export { createRuleFilesProvider, createRuleManager, type RuleManager, type RuleManagerDeps, type RuleManagerSettings } from './manager.js';
export { createMemorySeries, type MemorySeries } from './memory-series.js';
export { createRuleMetrics, type RuleMetrics } from './metrics.js';
export { createTenantRuleFilesProvider, tenantRuleFiles, type TenantRulesProvider } from './tenants.js';
export type { RulesFilters } from './api.js';
