/** Placeholder for the logs view (issue 11): the view's owner replaces this file. Default export, no props; state from useRoute(). */
export default function LogsView() {
  return (
    <section data-testid="logs-view">
      <h1>Logs</h1>
      <p>Coming soon.</p>
    </section>
  );
}
