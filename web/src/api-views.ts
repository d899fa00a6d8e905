/** API calls the logs, services and alerts views need beyond api.ts: PromQL instant queries. */
import { ApiError } from './api.js';
import { callRateQuery, errorRatios, type VectorSample } from './views/service-graph.js';

type PromAnswer = { status: 'success'; data: { resultType: string; result: unknown } } | { status: 'error'; errorType?: string; error?: string };

/** GET /prometheus/api/v1/query: an instant vector (an error when the answer is not one). */
export async function promVector(expr: string, signal?: AbortSignal): Promise<VectorSample[]> {
  const url = `/prometheus/api/v1/query?${new URLSearchParams({ query: expr })}`;
  const res = await fetch(url, { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) }).catch((e: Error) => {
    throw e.name === 'AbortError' ? e : new ApiError(0, `cannot reach the query server: ${e.message}`, url);
  });
  let body: PromAnswer | undefined;
  try {
    body = (await res.json()) as PromAnswer;
  } catch {
    body = undefined;
  }
  if (!res.ok || body === undefined || body.status !== 'success') {
    const msg = body && body.status === 'error' ? (body.error ?? body.errorType) : undefined;
    throw new ApiError(res.status, msg ?? `${res.status} ${res.statusText}`, url);
  }
  if (body.data.resultType !== 'vector') throw new ApiError(res.status, `expected a vector from ${expr}, got ${body.data.resultType}`, url);
  return body.data.result as VectorSample[];
}

/** Error ratio per service over `window` (a Go duration), from the span-derived calls counter. */
export async function serviceErrorRatios(window: string, signal?: AbortSignal): Promise<Map<string, number>> {
  const [errors, all] = await Promise.all([promVector(callRateQuery(window, true), signal), promVector(callRateQuery(window, false), signal)]);
  return errorRatios(errors, all);
}
