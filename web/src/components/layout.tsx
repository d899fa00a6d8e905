/** The page frame: the header with the navigation between the five views, then the view. */
import type { ComponentChildren } from 'preact';
import type { ViewName } from '../route.js';

const LINKS: ReadonlyArray<{ href: string; label: string; testid: string; views: ViewName[] }> = [
  { href: '/search', label: 'Search', testid: 'nav-search', views: ['search', 'trace'] },
  { href: '/logs', label: 'Logs', testid: 'nav-logs', views: ['logs'] },
  { href: '/services', label: 'Services', testid: 'nav-services', views: ['services'] },
  { href: '/alerts', label: 'Alerts', testid: 'nav-alerts', views: ['alerts'] },
];

/** The header and navigation around a view. */
export function Layout({ view, children }: { view: ViewName; children: ComponentChildren }) {
  return (
    <div class="app">
      <header class="topbar">
        <a class="brand" href="/">
          Braid
        </a>
        <nav aria-label="Views">
          <ul>
            {LINKS.map((l) => (
              <li key={l.href}>
                <a href={l.href} data-testid={l.testid} aria-current={l.views.includes(view) ? 'page' : undefined}>
                  {l.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main class="content">{children}</main>
    </div>
  );
}
