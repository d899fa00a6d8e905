/**
 * Alerts: the firing and pending alerts of /prometheus/api/v1/alerts (labels, annotations, active
 * since, value, and the example traces the evaluator attached as the `example_trace_ids`
 * annotation, each a link to its trace), then the rules of /prometheus/api/v1/rules with their
 * state and health.
 */
import { useState } from 'preact/hooks';
import { api, exampleTraceIds, type AlertView, type RuleGroup } from '../api.js';
import { Empty, ErrorBox, Loading, useAsync } from '../components/widgets.js';
import { formatTimestamp, isoToMicros } from '../format.js';
import { traceUrl, urlWith } from '../router.js';
import { countStates, formatAlertValue, formatFor, formatSince, otherLabels, ruleRows, sortAlerts, textAnnotations, type RuleRow } from './alerts-model.js';
import './views.css';

interface AlertsData {
  alerts: AlertView[];
  groups: RuleGroup[];
  loadedAt: number;
}

/** The alerts view. */
export default function AlertsView() {
  // Bumped by the refresh button: a reload, not state (the view's state is the URL).
  const [round, setRound] = useState(0);
  const data = useAsync<AlertsData>(async (signal) => {
    const [alerts, groups] = await Promise.all([api.alerts(signal), api.rules(signal)]);
    return { alerts, groups, loadedAt: Date.now() };
  }, [round]);
  return (
    <section class="alerts-view" data-testid="alerts-view">
      <div class="view-head">
        <h1>Alerts</h1>
        <button type="button" onClick={() => setRound(round + 1)} data-testid="alerts-refresh">
          Refresh
        </button>
      </div>
      {data.status === 'loading' && <Loading what="alerts" />}
      {data.status === 'error' && <ErrorBox title="Loading alerts failed" error={data.error} />}
      {data.status === 'done' && data.value && (
        <>
          <ActiveAlerts alerts={data.value.alerts} now={data.value.loadedAt} />
          <Rules rows={ruleRows(data.value.groups)} />
        </>
      )}
    </section>
  );
}

function ActiveAlerts({ alerts, now }: { alerts: AlertView[]; now: number }) {
  const counts = countStates(alerts);
  return (
    <>
      <h2>
        Active <span class="badge error">{counts.firing} firing</span>
        <span class="badge pending">{counts.pending} pending</span>
      </h2>
      {alerts.length === 0 ? (
        <Empty>No alert is firing or pending.</Empty>
      ) : (
        <ul class="alert-list">
          {sortAlerts(alerts).map((a, i) => (
            <AlertRow key={`${JSON.stringify(a.labels)}-${i}`} alert={a} now={now} />
          ))}
        </ul>
      )}
    </>
  );
}

function AlertRow({ alert: a, now }: { alert: AlertView; now: number }) {
  const name = a.labels.alertname ?? '(no alertname)';
  const traces = exampleTraceIds(a);
  const annotations = Object.entries(textAnnotations(a)).sort(([x], [y]) => (x < y ? -1 : 1));
  return (
    <li class={`alert-row ${a.state}`} data-testid="alert-row" data-alertname={name} data-state={a.state}>
      <div class="alert-title">
        <span class={`state-badge ${a.state}`}>{a.state}</span>
        <strong>{name}</strong>
        <span class="alert-labels">
          {otherLabels(a).map(([k, v]) => (
            <span key={k} class="badge mono">
              {k}={v}
            </span>
          ))}
        </span>
      </div>
      <div class="alert-meta">
        <span>
          active since{' '}
          <time dateTime={a.activeAt} title={a.activeAt}>
            {formatTimestamp(isoToMicros(a.activeAt))}
          </time>{' '}
          ({formatSince(a.activeAt, now)})
        </span>
        <span>
          value <b class="mono">{formatAlertValue(a.value)}</b>
        </span>
        {a.keepFiringSince && <span>kept firing since {formatTimestamp(isoToMicros(a.keepFiringSince))}</span>}
      </div>
      {annotations.length > 0 && (
        <dl class="alert-annotations">
          {annotations.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
      <div class="alert-traces">
        Example traces:{' '}
        {traces.length === 0 ? (
          <span class="empty">none attached</span>
        ) : (
          traces.map((id) => (
            <a key={id} href={traceUrl(id)} class="mono" data-testid="alert-trace" data-trace-id={id}>
              {id.slice(0, 16)}
            </a>
          ))
        )}
        {a.labels.service_name !== undefined && (
          <a href={urlWith('/logs', { service: a.labels.service_name, level: 'error' })} class="alert-logs">
            error logs of {a.labels.service_name}
          </a>
        )}
      </div>
    </li>
  );
}

function Rules({ rows }: { rows: RuleRow[] }) {
  return (
    <>
      <h2>Rules</h2>
      {rows.length === 0 ? (
        <Empty>No rule files are loaded (alerting.rule_files).</Empty>
      ) : (
        <div class="table-scroll">
          <table class="rule-table" aria-label="Rules">
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Rule</th>
                <th scope="col">State</th>
                <th scope="col">For</th>
                <th scope="col">Query</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={`${r.file}/${r.group}/${r.name}/${i}`} data-testid="rule-row" data-rule={r.name} data-state={r.state ?? r.type}>
                  <td title={r.file}>{r.group}</td>
                  <td>
                    <strong>{r.name}</strong>
                    {r.type === 'recording' && <span class="badge">recording</span>}
                    {r.health !== 'ok' && r.health !== 'unknown' && <div class="field-error">{r.lastError ?? r.health}</div>}
                  </td>
                  <td>{r.type === 'alerting' ? <span class={`state-badge ${r.state ?? 'inactive'}`}>{r.state ?? 'inactive'}</span> : '–'}</td>
                  <td>{formatFor(r.duration)}</td>
                  <td>
                    <code class="rule-query">{r.query}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
