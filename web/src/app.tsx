/** The explorer: picks the view of the current route. */
import { useEffect } from 'preact/hooks';
import { Layout } from './components/layout.js';
import { useRoute } from './router.js';
import AlertsView from './views/alerts.js';
import LogsView from './views/logs.js';
import SearchView from './views/search.js';
import ServicesView from './views/services.js';
import TraceView from './views/trace.js';

const TITLES = { search: 'Search', trace: 'Trace', logs: 'Logs', services: 'Services', alerts: 'Alerts', notfound: 'Not found' } as const;

/** The root component. */
export function App() {
  const route = useRoute();
  useEffect(() => {
    document.title = `${TITLES[route.view]} · Braid`;
  }, [route.view]);
  return <Layout view={route.view}>{viewOf(route.view)}</Layout>;
}

function viewOf(view: keyof typeof TITLES) {
  switch (view) {
    case 'search':
      return <SearchView />;
    case 'trace':
      return <TraceView />;
    case 'logs':
      return <LogsView />;
    case 'services':
      return <ServicesView />;
    case 'alerts':
      return <AlertsView />;
    default:
      return (
        <section class="notfound">
          <h1>Page not found</h1>
          <p>
            <a href="/search">Search traces</a>
          </p>
        </section>
      );
  }
}
