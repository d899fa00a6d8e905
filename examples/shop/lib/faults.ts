// Fault switches: the knobs a demo turns to make one service misbehave. Pure: no I/O here.

/** The services of the shop. */
export type ServiceName = 'user' | 'product' | 'order' | 'payment';

/** The switches of every service; each is 0 (off) until set. */
export interface FaultSwitches {
  /** payment: share of charges the fake card gateway declines (0..1). */
  failure_ratio?: number;
  /** product: delay added to every product lookup, in milliseconds (0..60000). */
  latency_ms?: number;
  /** user: share of user lookups answered 404 (0..1). */
  not_found_ratio?: number;
}

interface SwitchSpec {
  min: number;
  max: number;
  integer: boolean;
}

const ratio: SwitchSpec = { min: 0, max: 1, integer: false };

/** Which switches each service has; order has none of its own. */
export const FAULT_SPECS: Record<ServiceName, Partial<Record<keyof FaultSwitches, SwitchSpec>>> = {
  user: { not_found_ratio: ratio },
  product: { latency_ms: { min: 0, max: 60_000, integer: true } },
  order: {},
  payment: { failure_ratio: ratio },
};

/** A bad switch value or name; the message names the field. */
export class FaultValidationError extends Error {}

/** The switches of `service`, all off. */
export function defaultFaults(service: ServiceName): FaultSwitches {
  const out: FaultSwitches = {};
  for (const key of Object.keys(FAULT_SPECS[service]) as (keyof FaultSwitches)[]) out[key] = 0;
  return out;
}

/** Checks a PUT /faults body for `service`: only its own switches, numbers in range. */
export function validateFaults(service: ServiceName, body: unknown): FaultSwitches {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new FaultValidationError('faults: the body must be a JSON object');
  }
  const specs = FAULT_SPECS[service];
  const out: FaultSwitches = {};
  for (const [key, value] of Object.entries(body)) {
    const spec = specs[key as keyof FaultSwitches];
    if (spec === undefined) {
      const known = Object.keys(specs).join(', ') || 'none';
      throw new FaultValidationError(`faults.${key}: unknown switch for ${service} (known: ${known})`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new FaultValidationError(`faults.${key}: must be a number, got ${JSON.stringify(value)}`);
    }
    if (value < spec.min || value > spec.max) {
      throw new FaultValidationError(`faults.${key}: must be between ${spec.min} and ${spec.max}, got ${value}`);
    }
    if (spec.integer && !Number.isInteger(value)) {
      throw new FaultValidationError(`faults.${key}: must be a whole number, got ${value}`);
    }
    out[key as keyof FaultSwitches] = value;
  }
  return out;
}

/** True with probability `ratio`; `random` is injectable so tests are exact. */
export function hits(ratio: number | undefined, random: () => number = Math.random): boolean {
  return ratio !== undefined && ratio > 0 && random() < ratio;
}
