import { describe, expect, it } from 'vitest';
import { scrollToCentre, scrollToReveal, visibleRange } from '../../web/src/components/waterfall/window.js';

describe('visibleRange', () => {
  it('is the rows in view plus the overscan, within the list', () => {
    expect(visibleRange(0, 280, 28, 20_000, 5)).toEqual({ first: 0, last: 15 });
    expect(visibleRange(2_800, 280, 28, 20_000, 5)).toEqual({ first: 95, last: 115 });
    expect(visibleRange(14, 280, 28, 20_000, 0)).toEqual({ first: 0, last: 11 });
    expect(visibleRange(20_000 * 28 - 280, 280, 28, 20_000, 5)).toEqual({ first: 19_985, last: 20_000 });
  });

  it('never exceeds the list, whatever the scroll position says', () => {
    expect(visibleRange(1e9, 280, 28, 10, 5)).toEqual({ first: 10, last: 10 });
    expect(visibleRange(-50, 280, 28, 3, 5)).toEqual({ first: 0, last: 3 });
    expect(visibleRange(0, 280, 28, 0, 5)).toEqual({ first: 0, last: 0 });
  });

  it('keeps the DOM small for a 20,000-row list at any position', () => {
    for (let top = 0; top < 20_000 * 28; top += 99_991) {
      const { first, last } = visibleRange(top, 800, 28, 20_000, 12);
      expect(last - first).toBeLessThanOrEqual(Math.ceil(800 / 28) + 1 + 24);
    }
  });
});

describe('scrolling a row into view', () => {
  it('scrolls up or down just enough, or not at all', () => {
    // viewport 300 px, 20 px sticky header: rows 0-9 are fully visible at scrollTop 0.
    expect(scrollToReveal(5, 0, 300, 28, 20)).toBeUndefined();
    expect(scrollToReveal(10, 0, 300, 28, 20)).toBe(11 * 28 - 280);
    expect(scrollToReveal(3, 500, 300, 28, 20)).toBe(84);
  });

  it('centres a deep-linked row a third down', () => {
    expect(scrollToCentre(1_000, 600, 28)).toBe(28_000 - 200);
    expect(scrollToCentre(2, 600, 28)).toBe(0);
  });
});
