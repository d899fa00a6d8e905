/** The limits in force for one tenant: `limits` with the tenant's `tenant_limits` overrides on top. */
import type { BraidConfig } from '../config/schema.js';

/** Every limit, resolved (durations in milliseconds). */
export type Limits = BraidConfig['limits'];

/** The limits of `tenant`. */
export function limitsFor(config: Pick<BraidConfig, 'limits' | 'tenant_limits'>, tenant: string): Limits {
  const own = config.tenant_limits[tenant];
  if (!own) return config.limits;
  const out = { ...config.limits };
  for (const [k, v] of Object.entries(own)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
