/** Shared widgets: loading and error states, and a hook that loads data for the current URL. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** The state of an asynchronous load. */
export type Async<T> = { status: 'loading' } | { status: 'error'; error: Error } | { status: 'done'; value: T };

/**
 * Runs `load` whenever one of `deps` changes, aborting the previous run; undefined `load` means
 * nothing to load (status stays "done" with undefined).
 */
export function useAsync<T>(load: ((signal: AbortSignal) => Promise<T>) | undefined, deps: unknown[]): Async<T | undefined> {
  const [state, setState] = useState<Async<T | undefined>>(load ? { status: 'loading' } : { status: 'done', value: undefined });
  useEffect(() => {
    if (!load) {
      setState({ status: 'done', value: undefined });
      return;
    }
    const ctl = new AbortController();
    setState({ status: 'loading' });
    load(ctl.signal).then(
      (value) => {
        if (!ctl.signal.aborted) setState({ status: 'done', value });
      },
      (error: unknown) => {
        if (!ctl.signal.aborted) setState({ status: 'error', error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    return () => ctl.abort();
  }, deps);
  return state;
}

/** A spinner line while something loads. */
export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** An error box naming what failed. */
export function ErrorBox({ title, error }: { title: string; error: Error | string }) {
  return (
    <div class="error-box" role="alert">
      <strong>{title}</strong>
      <div>{typeof error === 'string' ? error : error.message}</div>
    </div>
  );
}

/** A muted line for an empty result. */
export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** A compact key/value table (attributes, labels). */
export function KeyValues({ values, label }: { values: Record<string, unknown>; label: string }) {
  const keys = Object.keys(values).sort();
  if (keys.length === 0) return <p class="empty">No {label.toLowerCase()}</p>;
  return (
    <table class="kv" aria-label={label}>
      <tbody>
        {keys.map((k) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{show(values[k])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A value as text: strings as they are, the rest as JSON. */
export function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
