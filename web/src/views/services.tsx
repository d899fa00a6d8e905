/** Placeholder for the services view (issue 11): the view's owner replaces this file. Default export, no props; state from useRoute(). */
export default function ServicesView() {
  return (
    <section class="services-view">
      <h1>Services</h1>
      <p>Coming soon.</p>
    </section>
  );
}
