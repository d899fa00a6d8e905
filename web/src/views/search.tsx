/** The search view (being built). */
export default function SearchView() {
  return <section><h1>Search</h1></section>;
}
