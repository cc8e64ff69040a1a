/**
 * Text that a kernel wrote for a terminal (stream output, tracebacks, text/plain), made fit to
 * print: carriage returns resolved as a terminal would draw them, colour kept or dropped, every
 * other control sequence dropped. Outputs come from programs nbstore does not control: nothing
 * in them may move the cursor, set a title or clear the screen.
 */

/**
 * Each line as a terminal last drew it: text after a carriage return overwrites the start of the
 * line, so a progress bar (tqdm) redrawn a hundred times shows its final state once.
 */
export function resolveCarriageReturns(text: string): string {
  if (!text.includes('\r')) return text;
  return text
    .replace(/\r+\n/g, '\n')
    .split('\n')
    .map((line) => {
      let drawn = '';
      for (const segment of line.split('\r')) drawn = segment + drawn.slice(segment.length);
      return drawn;
    })
    .join('\n');
}

/**
 * Escape sequences (CSI with its parameters, OSC up to its terminator, other two-character
 * ones) and the lone control characters but tab: C0, DEL and C1. A CSI is captured in parts to
 * tell colour (SGR: `ESC [ digits;… m`) from the rest.
 */
const CONTROL =
  /\x1b\[([0-?]*)([ -/]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]?|[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/**
 * One line of output text for a terminal: with `colour`, its SGR colour sequences kept (and
 * reset at its end, so that colour never runs into what follows); without, none. Every other
 * control sequence and character is dropped.
 */
export function terminalLine(line: string, colour: boolean): string {
  let coloured = false;
  const shown = line.replace(CONTROL, (_match, parameters?: string, intermediates?: string, final?: string) => {
    if (colour && final === 'm' && intermediates === '' && /^[\d;]*$/.test(parameters ?? '')) {
      coloured = true;
      return `\x1b[${parameters}m`;
    }
    return '';
  });
  return coloured ? `${shown}\x1b[0m` : shown;
}

/** Printable width of a line that may hold SGR sequences (each code point one column). */
function visibleLength(line: string): number {
  return [...line.replace(/\x1b\[[\d;]*m/g, '')].length;
}

/** Marks where a line was cut to fit the terminal. */
export const CUT_MARK = '…';

/**
 * A rendering cut to `width` columns a line, each line too long ending in CUT_MARK: for a
 * terminal, where a 3,000-character output line would otherwise wrap over a screen. SGR
 * sequences take no columns and are reset after a cut.
 */
export function fitToWidth(text: string, width: number): string {
  if (width < 2) return text;
  return text
    .split('\n')
    .map((line) => {
      if (line.length <= width || visibleLength(line) <= width) return line;
      let out = '';
      let columns = 0;
      let coloured = false;
      for (const part of line.split(/(\x1b\[[\d;]*m)/)) {
        if (part.startsWith('\x1b[')) {
          out += part;
          coloured = true;
          continue;
        }
        const chars = [...part];
        const room = width - 1 - columns;
        if (chars.length > room) {
          out += chars.slice(0, room).join('');
          return `${out}${coloured ? '\x1b[0m' : ''}${CUT_MARK}`;
        }
        out += part;
        columns += chars.length;
      }
      return out;
    })
    .join('\n');
}
