/** Placeholder for the alerts view (issue 11): the view's owner replaces this file. Default export, no props; state from useRoute(). */
export default function AlertsView() {
  return (
    <section data-testid="alerts-view">
      <h1>Alerts</h1>
      <p>Coming soon.</p>
    </section>
  );
}
