/**
 * Row virtualisation for fixed-height rows: which rows to put in the DOM for a scroll position,
 * and where to scroll to bring a row into view. Pure: no DOM, so unit tests import it.
 */

/** The rows [first, last) to render: the visible ones plus `overscan` on each side. */
export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan: number): { first: number; last: number } {
  if (count <= 0 || rowHeight <= 0) return { first: 0, last: 0 };
  const top = Math.max(0, scrollTop);
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight) + overscan);
  return { first: Math.min(first, last), last };
}

/**
 * The scrollTop that shows row `index` whole (a `header` px sticky band above the rows counted),
 * or undefined when it is already in view.
 */
export function scrollToReveal(index: number, scrollTop: number, viewportHeight: number, rowHeight: number, header = 0): number | undefined {
  const rowTop = index * rowHeight;
  const rowBottom = rowTop + rowHeight;
  const visibleRows = viewportHeight - header;
  if (rowTop < scrollTop) return rowTop;
  if (rowBottom > scrollTop + visibleRows) return Math.max(0, rowBottom - visibleRows);
  return undefined;
}

/** The scrollTop that puts row `index` about a third down the viewport (for deep links). */
export function scrollToCentre(index: number, viewportHeight: number, rowHeight: number): number {
  return Math.max(0, index * rowHeight - Math.floor(viewportHeight / 3));
}
