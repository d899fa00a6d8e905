/**
 * Rules per tenant: the default tenant's are `alerting.rule_files`, another tenant's are
 * `alerting.tenant_rule_files[tenant]`; a tenant without rule files has no rules.
 */
import type { AlertsAnswer, RulesAnswer, RulesFilters } from '../../model/alerter-api.js';
import { DEFAULT_TENANT } from '../../tenancy/tenant.js';
import type { Logger } from '../../telemetry/logger.js';
import { createRuleFilesProvider, type RuleManagerSettings } from './manager.js';

/** The tenants with rules and their rule file globs: the default tenant's `rule_files` (with any `tenant_rule_files.default`), then the others'. */
export function tenantRuleFiles(a: { rule_files: string[]; tenant_rule_files: Record<string, string[]> }): Map<string, string[]> {
  const out = new Map<string, string[]>([[DEFAULT_TENANT, [...a.rule_files, ...(a.tenant_rule_files[DEFAULT_TENANT] ?? [])]]]);
  for (const [tenant, files] of Object.entries(a.tenant_rule_files)) if (tenant !== DEFAULT_TENANT) out.set(tenant, files);
  return out;
}

/** The rules and alerts answers of one tenant. */
export interface TenantRulesProvider {
  rules(filters: RulesFilters, tenant: string): RulesAnswer | Promise<RulesAnswer>;
  alerts(tenant: string): AlertsAnswer | Promise<AlertsAnswer>;
}

/** The rules API of a process without the alerter: each tenant's rule files as they are now, without state; no rules for a tenant without files. */
export function createTenantRuleFilesProvider(
  files: ReadonlyMap<string, string[]>,
  settings: Pick<RuleManagerSettings, 'evaluationIntervalMs'>,
  log: Logger,
): TenantRulesProvider & { of(tenant: string): { rules(f: RulesFilters): Promise<RulesAnswer>; alerts(): Promise<AlertsAnswer> } } {
  const providers = new Map([...files].map(([tenant, ruleFiles]) => [tenant, createRuleFilesProvider({ ruleFiles, ...settings }, log)]));
  const none = { rules: async (): Promise<RulesAnswer> => ({ groups: [] }), alerts: async (): Promise<AlertsAnswer> => ({ alerts: [] }) };
  const of = (tenant: string) => providers.get(tenant) ?? none;
  return { of, rules: (f, tenant) => of(tenant).rules(f), alerts: (tenant) => of(tenant).alerts() };
}
