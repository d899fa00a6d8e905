/**
 * Logs: the /braid/v1/logs search (service, level, trace ID, free text, time range), newest first,
 * paged by the server's cursor kept in the URL. Each line shows time, level, service and message,
 * and links to its trace with its span selected.
 */
import { useState } from 'preact/hooks';
import { api, type LogView } from '../api.js';
import { Empty, ErrorBox, KeyValues, Loading, useAsync } from '../components/widgets.js';
import { formatTimestamp, isoToMicros } from '../format.js';
import { navigate, traceUrl, useRoute } from '../router.js';
import { DEFAULT_LOGS_LIMIT, DEFAULT_LOGS_LOOKBACK, LOG_LEVELS, logsApiParams, logsStateFrom, logsUrl, nextPageUrl, prevPageUrl, type LogsFilter, type LogsState } from './logs-state.js';
import { LookbackOptions } from './lookback.js';
import './views.css';

/** The logs view. */
export default function LogsView() {
  const route = useRoute();
  const state = logsStateFrom(route.query);
  let params: URLSearchParams | undefined;
  let invalid: string | undefined;
  try {
    params = logsApiParams(state);
  } catch (e) {
    invalid = (e as Error).message;
  }
  const key = params?.toString();
  const page = useAsync(params ? (signal) => api.logs(params, signal) : undefined, [key]);
  const services = useAsync((signal) => api.services(signal), []);
  return (
    <section data-testid="logs-view" class="logs-view">
      <h1>Logs</h1>
      <LogsForm key={route.query.toString()} state={state} services={services.status === 'done' ? (services.value ?? []) : []} />
      {invalid !== undefined && <ErrorBox title="Invalid search" error={invalid} />}
      {page.status === 'loading' && <Loading what="logs" />}
      {page.status === 'error' && <ErrorBox title="Log search failed" error={page.error} />}
      {page.status === 'done' && page.value && <LogPageView state={state} logs={page.value.logs} next={page.value.next} />}
    </section>
  );
}

/** The filter form: submitting goes to the first page of the new filter. */
function LogsForm({ state, services }: { state: LogsState; services: string[] }) {
  const [f, setF] = useState<LogsFilter>(state);
  const set = (k: keyof LogsFilter) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement | HTMLSelectElement).value });
  const submit = (e: Event) => {
    e.preventDefault();
    navigate(logsUrl(f));
  };
  return (
    <form class="logs-form" data-testid="logs-form" onSubmit={submit} role="search" aria-label="Log search">
      <label>
        Service
        <input name="service" list="logs-services" value={f.service} onInput={set('service')} placeholder="any" data-testid="logs-service" />
        <datalist id="logs-services">
          {services.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      </label>
      <label>
        Level
        <select name="level" value={f.level} onChange={set('level')} data-testid="logs-level">
          <option value="">any</option>
          {LOG_LEVELS.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
      </label>
      <label>
        Trace ID
        <input name="traceId" class="mono" value={f.traceId} onInput={set('traceId')} placeholder="32 hex digits" data-testid="logs-trace-id" />
      </label>
      <label class="grow">
        Text
        <input name="q" type="search" value={f.q} onInput={set('q')} placeholder="words in the message" data-testid="logs-text" />
      </label>
      <label>
        Time
        <select name="lookback" value={f.lookback} onChange={set('lookback')} data-testid="logs-lookback">
          <LookbackOptions custom={true} />
        </select>
      </label>
      {f.lookback === 'custom' && (
        <>
          <label>
            Start
            <input name="start" value={f.start} onInput={set('start')} placeholder="2026-11-23T17:00:00Z or epoch ms" data-testid="logs-start" />
          </label>
          <label>
            End
            <input name="end" value={f.end} onInput={set('end')} placeholder="now" data-testid="logs-end" />
          </label>
        </>
      )}
      <button type="submit" class="primary" data-testid="logs-submit">
        Search
      </button>
    </form>
  );
}

/** One page of results with the pager above and below. */
function LogPageView({ state, logs, next }: { state: LogsState; logs: LogView[]; next: string | undefined }) {
  const pager = <Pager state={state} next={next} count={logs.length} />;
  if (logs.length === 0) {
    return (
      <>
        <Empty>No log records match{state.prev.length > 0 ? ' on this page' : ''}.</Empty>
        {state.prev.length > 0 && pager}
      </>
    );
  }
  return (
    <>
      {pager}
      <ol class="log-list" aria-label="Log records, newest first">
        {logs.map((l, i) => (
          <LogLine key={`${l.timestamp}-${i}`} log={l} />
        ))}
      </ol>
      {logs.length > 15 && pager}
    </>
  );
}

/** Previous and next page links (a disabled button where there is none). */
function Pager({ state, next, count }: { state: LogsState; next: string | undefined; count: number }) {
  const prev = prevPageUrl(state);
  return (
    <nav class="pager" aria-label="Pages">
      {prev !== undefined ? (
        <a href={prev} data-testid="logs-prev" rel="prev">
          ← Newer
        </a>
      ) : (
        <button type="button" disabled data-testid="logs-prev">
          ← Newer
        </button>
      )}
      <span class="page-no">
        Page {state.prev.length + 1} · {count} records
      </span>
      {next !== undefined ? (
        <a href={nextPageUrl(state, next)} data-testid="logs-next" rel="next">
          Older →
        </a>
      ) : (
        <button type="button" disabled data-testid="logs-next">
          Older →
        </button>
      )}
    </nav>
  );
}

/** One record: time, level, service, message, its trace link, and its attributes on demand. */
function LogLine({ log }: { log: LogView }) {
  const attrs = Object.keys(log.attributes).length;
  const level = log.level.toLowerCase();
  return (
    <li class="log-line" data-testid="log-line" data-trace-id={log.traceId} data-span-id={log.spanId} data-level={level}>
      <time class="log-time mono" dateTime={log.timestamp}>
        {formatTimestamp(isoToMicros(log.timestamp))}
      </time>
      <span class={`log-level ${level}`}>{level || '–'}</span>
      <a class="log-service" href={logsUrl({ ...emptyFilter(), service: log.service })} title={`Logs of ${log.service}`}>
        {log.service}
      </a>
      <span class="log-message">{log.message}</span>
      {log.traceId !== undefined && (
        <a class="log-trace mono" href={traceUrl(log.traceId, log.spanId)} data-testid="log-trace" title={log.spanId ? `Trace ${log.traceId}, span ${log.spanId}` : `Trace ${log.traceId}`}>
          trace {log.traceId.slice(0, 8)}
          {log.spanId ? ` · span ${log.spanId.slice(0, 8)}` : ''}
        </a>
      )}
      {attrs > 0 && (
        <details class="log-attrs">
          <summary>{attrs} attributes</summary>
          <KeyValues values={log.attributes} label="Attributes" />
        </details>
      )}
    </li>
  );
}

const emptyFilter = (): LogsFilter => ({ service: '', level: '', traceId: '', q: '', lookback: DEFAULT_LOGS_LOOKBACK, start: '', end: '', limit: DEFAULT_LOGS_LIMIT });
