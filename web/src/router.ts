/**
 * The router: History API, state only in the URL. Views read the current route with `useRoute()`
 * and change it with `navigate(url)` (a new history entry) or `navigate(url, { replace: true })`.
 * Plain `<a href="/...">` links work too: `interceptLinks` turns same-origin clicks into navigations.
 */
import { useEffect, useState } from 'preact/hooks';
import { parseRoute, type Route } from './route.js';

export * from './route.js';

const listeners = new Set<() => void>();

function notify(): void {
  for (const l of [...listeners]) l();
}

/** The route of the current location. */
export function currentRoute(): Route {
  return parseRoute(window.location.pathname, window.location.search);
}

/** Goes to a same-origin URL ("/trace/abc?span=def"); `replace` rewrites the current entry instead. */
export function navigate(url: string, opts: { replace?: boolean } = {}): void {
  const target = new URL(url, window.location.href);
  const next = target.pathname + target.search + target.hash;
  if (next === window.location.pathname + window.location.search + window.location.hash) return;
  if (opts.replace) window.history.replaceState(null, '', next);
  else window.history.pushState(null, '', next);
  if (!opts.replace) window.scrollTo(0, 0);
  notify();
}

/** Changes some query parameters of the current URL (undefined or "" removes one). */
export function setQuery(patch: Record<string, string | undefined>, opts: { replace?: boolean } = {}): void {
  const q = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  navigate(window.location.pathname + (s === '' ? '' : `?${s}`), opts);
}

/** The current route; the component re-renders when it changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    listeners.add(update);
    window.addEventListener('popstate', update);
    update();
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}

/** Makes plain left clicks on same-origin links navigate without reloading the page. */
export function interceptLinks(root: HTMLElement): () => void {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || a.target !== '' || a.hasAttribute('download') || a.dataset.external !== undefined) return;
    const url = new URL(a.href, window.location.href);
    if (url.origin !== window.location.origin || !isAppPath(url.pathname)) return;
    e.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  };
  root.addEventListener('click', onClick);
  return () => root.removeEventListener('click', onClick);
}

/** Paths the app answers (the APIs and assets are plain links). */
function isAppPath(pathname: string): boolean {
  return parseRoute(pathname, '').view !== 'notfound';
}
