/**
 * Making text from outside (keys, metadata, file names, a server's messages) safe to print.
 * A terminal acts on control characters: ESC starts sequences that set the title, clear the
 * screen or fake colours, CR and LF forge whole lines. Everything nbstore prints that it did not
 * write itself goes through one of these.
 */

/** C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F): what a terminal may act on. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v', '\u0007': '\\a' };

function escapeOne(char: string): string {
  const code = char.charCodeAt(0);
  return NAMED[char] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/** Whether `text` holds a character a terminal would act on. */
export function hasControl(text: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text);
}

/**
 * `text` with every control character written as a C escape (`\n`, `\x1b`, `\x9b`), so that it
 * prints on one line and as itself. For free text (messages, authors, a server's reason);
 * backslashes are left as they are, so ordinary text reads unchanged.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, escapeOne);
}

/** escapeControls, but tabs kept: for lines of code, which a pane lays out with tab stops. */
export function escapeControlsButTabs(text: string): string {
  return text.replace(CONTROL, (c) => (c === '\t' ? c : escapeOne(c)));
}

/**
 * A path or key as git quotes it (core.quotePath=false): as it is when it holds nothing a
 * terminal acts on, or a double quote, backslash or leading/trailing space that would make it
 * ambiguous; otherwise in double quotes with `"` and `\` escaped and control characters as C
 * escapes. Unambiguous: `"a\nb"` is a key with a newline, `a\nb` one with a backslash.
 */
export function quotePath(path: string): string {
  if (!/[\u0000-\u001f\u007f-\u009f"\\]/.test(path)) return path;
  return `"${path.replace(/["\\]/g, (c) => `\\${c}`).replace(CONTROL, escapeOne)}"`;
}

/** JSON.stringify's JSON with DEL and C1 escaped too (JSON.stringify leaves them raw, and a terminal may act on them). */
export function printableJson(value: unknown, indent?: number): string {
  return (JSON.stringify(value, null, indent) ?? 'null').replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** `text` always in double quotes, as JSON writes a string, C1 and DEL escaped too: for names in messages. */
export function quoted(text: string): string {
  return printableJson(text);
}

/** At most `max` characters of `text`, escaped, with `…` when it was cut: for quoting a bad file. */
export function excerpt(text: string, max = 40): string {
  const cut = [...text.slice(0, max * 2)].slice(0, max).join('');
  return `${escapeControls(cut)}${cut.length < text.length ? '…' : ''}`;
}

/**
 * `text` with the user name and password taken out of every URL in it
 * (`http://user:secret@host` → `http://***@host`): endpoint URLs may carry credentials.
 */
export function redactUrl(text: string): string {
  return (
    text
      .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/gi, '$1***@')
      // What was meant as a URL but lacks its `//` (`htp//user:pw@host`): any `user:password@`.
      .replace(/[^/@:\s]*:[^/@\s*]*@/g, '***@')
  );
}
