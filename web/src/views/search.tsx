/**
 * / and /search: the Jaeger-style search form (service, operation, tags, min/max duration, lookback
 * or custom range, limit), the result list and the duration scatter. The search is the URL: the
 * form writes it on submit, the results are read from it, so back/forward and reload work.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { summariseTrace, type TraceSummaryLine } from '../components/results.js';
import { DurationScatter } from '../components/scatter.js';
import { Empty, ErrorBox, Loading, useAsync } from '../components/widgets.js';
import { durationError, formatDuration, formatTimestamp, fromDatetimeLocal, LOOKBACKS, toDatetimeLocal } from '../format.js';
import { navigate, parseTags, searchStateFrom, searchUrl, traceSearchParams, traceUrl, useRoute, type SearchState } from '../router.js';
import { serviceHue } from '../components/waterfall/layout.js';

/** The search view. */
export default function SearchView() {
  const route = useRoute();
  const key = route.query.toString();
  const urlState = useMemo(() => searchStateFrom(route.query), [key]);
  const [refresh, setRefresh] = useState(0);
  const results = useAsync(
    urlState.service === '' ? undefined : async (signal) => (await api.searchTraces(traceSearchParams(urlState, Date.now() * 1_000), signal)).map(summariseTrace).sort((a, b) => b.startUs - a.startUs),
    [key, refresh],
  );
  const submit = (s: SearchState) => {
    const url = searchUrl(s);
    if (url === window.location.pathname + window.location.search) setRefresh((n) => n + 1);
    else navigate(url);
  };
  return (
    <div class="search-layout">
      <SearchForm key={key} initial={urlState} onSubmit={submit} />
      <section aria-label="Search results">
        {urlState.service === '' ? (
          <Empty>Choose a service and press Find traces.</Empty>
        ) : results.status === 'loading' ? (
          <Loading what="traces" />
        ) : results.status === 'error' ? (
          <ErrorBox title="Search failed" error={results.error} />
        ) : (
          <Results lines={results.value ?? []} />
        )}
      </section>
    </div>
  );
}

function SearchForm({ initial, onSubmit }: { initial: SearchState; onSubmit: (s: SearchState) => void }) {
  const [s, setS] = useState(initial);
  const [error, setError] = useState<string | undefined>();
  const services = useAsync((signal) => api.services(signal), []);
  const operations = useAsync(s.service === '' ? undefined : (signal) => api.operations(s.service, signal), [s.service]);
  const serviceList = services.status === 'done' ? (services.value ?? []) : [];
  useEffect(() => {
    if (s.service === '' && serviceList.length > 0) setS((p) => ({ ...p, service: serviceList[0]! }));
  }, [serviceList.length]);
  const set = (patch: Partial<SearchState>) => setS((p) => ({ ...p, ...patch }));
  const tagsError = (() => {
    try {
      parseTags(s.tags);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  })();
  const minError = durationError(s.minDuration);
  const maxError = durationError(s.maxDuration);
  const opList = operations.status === 'done' ? (operations.value ?? []) : [];
  return (
    <form
      class="search-form"
      data-testid="search-form"
      aria-label="Find traces"
      onSubmit={(e) => {
        e.preventDefault();
        try {
          traceSearchParams(s, Date.now() * 1_000);
        } catch (err) {
          setError((err as Error).message);
          return;
        }
        setError(undefined);
        onSubmit(s);
      }}
    >
      <label>
        Service
        <select data-testid="search-service" value={s.service} onChange={(e) => set({ service: e.currentTarget.value, operation: '' })}>
          {s.service !== '' && !serviceList.includes(s.service) ? <option value={s.service}>{s.service}</option> : null}
          {serviceList.length === 0 && s.service === '' ? <option value="">{services.status === 'loading' ? 'Loading…' : 'No services yet'}</option> : null}
          {serviceList.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      {services.status === 'error' ? <span class="field-error">{services.error.message}</span> : null}
      <label>
        Operation
        <select data-testid="search-operation" value={s.operation} onChange={(e) => set({ operation: e.currentTarget.value })}>
          <option value="">all</option>
          {s.operation !== '' && !opList.includes(s.operation) ? <option value={s.operation}>{s.operation}</option> : null}
          {opList.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <Field label="Tags" testid="search-tags" value={s.tags} error={tagsError} placeholder="http.status_code=500 error=true" onInput={(v) => set({ tags: v })} />
      <div class="row2">
        <Field label="Min duration" testid="search-min-duration" value={s.minDuration} error={minError} placeholder="e.g. 100ms" onInput={(v) => set({ minDuration: v })} />
        <Field label="Max duration" testid="search-max-duration" value={s.maxDuration} error={maxError} placeholder="e.g. 1.5s" onInput={(v) => set({ maxDuration: v })} />
      </div>
      <label>
        Lookback
        <select data-testid="search-lookback" value={s.lookback} onChange={(e) => set(lookbackPatch(s, e.currentTarget.value))}>
          {LOOKBACKS.map((l) => (
            <option key={l.value} value={l.value}>
              {l.label}
            </option>
          ))}
        </select>
      </label>
      {s.lookback === 'custom' ? (
        <div class="row2">
          <label>
            Start
            <input type="datetime-local" step={1} data-testid="search-start" value={s.start === '' ? '' : toDatetimeLocal(Number(s.start))} onInput={(e) => set({ start: micros(e.currentTarget.value) })} />
          </label>
          <label>
            End
            <input type="datetime-local" step={1} data-testid="search-end" value={s.end === '' ? '' : toDatetimeLocal(Number(s.end))} onInput={(e) => set({ end: micros(e.currentTarget.value) })} />
          </label>
        </div>
      ) : null}
      <Field label="Limit" testid="search-limit" value={s.limit} type="number" onInput={(v) => set({ limit: v })} />
      {error ? (
        <div class="field-error" role="alert">
          {error}
        </div>
      ) : null}
      <button type="submit" class="primary" data-testid="search-submit">
        Find traces
      </button>
    </form>
  );
}

/** Switching to a custom range starts from the lookback it replaces. */
function lookbackPatch(s: SearchState, lookback: string): Partial<SearchState> {
  if (lookback !== 'custom' || s.start !== '') return { lookback };
  const nowUs = Date.now() * 1_000;
  const from = LOOKBACKS.some((l) => l.value === s.lookback) && s.lookback !== 'custom' ? s.lookback : '1h';
  const hours = from.endsWith('h') ? Number(from.slice(0, -1)) : Number(from.slice(0, -1)) / 60;
  return { lookback, start: String(Math.floor(nowUs - hours * 3_600_000_000)), end: String(nowUs) };
}

function micros(local: string): string {
  const us = fromDatetimeLocal(local);
  return Number.isFinite(us) ? String(us) : '';
}

interface FieldProps {
  label: string;
  testid: string;
  value: string;
  error?: string | undefined;
  placeholder?: string;
  type?: string;
  onInput: (v: string) => void;
}

function Field({ label, testid, value, error, placeholder, type, onInput }: FieldProps) {
  return (
    <label>
      {label}
      <input type={type ?? 'text'} data-testid={testid} value={value} placeholder={placeholder} aria-invalid={error ? 'true' : undefined} onInput={(e) => onInput(e.currentTarget.value)} min={type === 'number' ? 1 : undefined} />
      {error ? <span class="field-error">{error}</span> : null}
    </label>
  );
}

function Results({ lines }: { lines: TraceSummaryLine[] }) {
  const longest = Math.max(1, ...lines.map((l) => l.durationUs));
  return (
    <div data-testid="search-results">
      <div class="results-head">
        <h2>
          {lines.length} trace{lines.length === 1 ? '' : 's'}
        </h2>
        <span class="empty">newest first</span>
      </div>
      <DurationScatter lines={lines} />
      {lines.length === 0 ? (
        <Empty>No traces match. Widen the lookback or remove a filter.</Empty>
      ) : (
        <ol class="result-list">
          {lines.map((l) => (
            <li key={l.traceId} class="result" data-testid="search-result" data-trace-id={l.traceId} data-error={l.errorCount > 0 ? 'true' : 'false'}>
              <a href={traceUrl(l.traceId)}>
                <div class="result-title">
                  <span>
                    {l.rootService}: {l.rootName}
                    {l.errorCount > 0 ? <span class="badge error">{l.errorCount} error{l.errorCount === 1 ? '' : 's'}</span> : null}
                  </span>
                  <span>{formatDuration(l.durationUs)}</span>
                </div>
                <div class="result-meta">
                  <span>{l.spanCount} spans</span>
                  <span>
                    {l.services.map((s) => (
                      <span key={s.name} class="badge svc" style={{ '--svc-hue': serviceHue(s.name) }}>
                        {s.name} ({s.count})
                      </span>
                    ))}
                  </span>
                  <span>{formatTimestamp(l.startUs)} UTC</span>
                  <span class="mono id">{l.traceId.slice(0, 12)}</span>
                </div>
                <div class="result-bar" style={{ width: `${(l.durationUs / longest) * 100}%` }} />
              </a>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
