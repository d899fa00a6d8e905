/** The trace view (being built). */
export default function TraceView() {
  return <section><h1>Trace</h1></section>;
}
