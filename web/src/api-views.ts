/** API calls the logs, services and alerts views need beyond api.ts: PromQL instant queries. */
import { ApiError, getJson } from './api.js';
import { callRateQuery, errorRatios, type VectorSample } from './views/service-graph.js';

/** GET /prometheus/api/v1/query: an instant vector (an ApiError when the answer is not one). */
export async function promVector(expr: string, signal?: AbortSignal): Promise<VectorSample[]> {
  const url = `/prometheus/api/v1/query?${new URLSearchParams({ query: expr })}`;
  const body = await getJson<{ data: { resultType: string; result: unknown } }>(url, signal);
  if (body.data.resultType !== 'vector') throw new ApiError(200, `expected a vector from ${expr}, got ${body.data.resultType}`, url);
  return body.data.result as VectorSample[];
}

/** Error ratio per service over `window` (a Go duration), from the span-derived calls counter. */
export async function serviceErrorRatios(window: string, signal?: AbortSignal): Promise<Map<string, number>> {
  const [errors, all] = await Promise.all([promVector(callRateQuery(window, true), signal), promVector(callRateQuery(window, false), signal)]);
  return errorRatios(errors, all);
}
