/** The lookback choices of format.ts as <option>s, for the logs and services views' time selects. */
import { LOOKBACKS } from '../format.js';

/** The options; `custom` adds "Custom range" (start/end). */
export function LookbackOptions({ custom }: { custom: boolean }) {
  return <>{LOOKBACKS.filter((l) => custom || l.value !== 'custom').map(({ value, label }) => <option key={value} value={value}>{label}</option>)}</>;
}
