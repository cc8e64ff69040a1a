import stringWidth from 'string-width';

// Printable ASCII is one cell a character: the common case needs no Unicode tables (string-width
// loads its own only when first called; see scripts/bundle.mjs).
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Terminal cells `text` takes: a CJK character or an emoji takes two, a combining mark none. */
export function displayWidth(text: string): number {
  return PRINTABLE_ASCII.test(text) ? text.length : stringWidth(text);
}

/** The width of a column holding `values`, at most `max` cells. */
export function columnWidth(values: readonly string[], max = Number.POSITIVE_INFINITY): number {
  return Math.min(max, Math.max(0, ...values.map(displayWidth)));
}

// Made on first use: building a segmenter is a noticeable part of a start.
let graphemes: Intl.Segmenter | undefined;

/**
 * `text` in exactly `width` cells: cut at a whole character when it is wider (a wide character
 * that would straddle the edge goes), spaces after it when narrower.
 */
export function fitColumn(text: string, width: number): string {
  let cells = displayWidth(text);
  if (cells > width) {
    let kept = '';
    cells = 0;
    graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    for (const { segment } of graphemes.segment(text)) {
      const next = displayWidth(segment);
      if (cells + next > width) break;
      kept += segment;
      cells += next;
    }
    text = kept;
  }
  return text + ' '.repeat(width - cells);
}
