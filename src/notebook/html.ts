import { AnsiUp } from 'ansi_up';
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { joinText, type MultilineString } from './notebook.js';

/**
 * The parts of a notebook that are HTML when shown in a browser: markdown cells, HTML outputs,
 * text with ANSI colour. Everything that came from the notebook goes through sanitize-html, so
 * no script, event handler, frame, form or remote resource survives: the pages showing it also
 * forbid scripts outright (Content-Security-Policy), this is the second wall.
 */

/** Images a notebook carries inline, and nothing fetched from elsewhere. */
const IMAGE_SCHEMES = ['data'];

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'del', 'ins', 'sup', 'sub', 'details', 'summary', 'input', 'span', 'div'],
  allowedAttributes: {
    '*': ['class', 'title', 'align', 'colspan', 'rowspan', 'style'],
    a: ['href', 'name', 'rel', 'target'],
    img: ['src', 'alt', 'width', 'height'],
    input: ['type', 'checked', 'disabled'],
    ol: ['start'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: IMAGE_SCHEMES },
  allowedStyles: {
    '*': {
      color: [/^[#a-z0-9(),.\s%]+$/i],
      'background-color': [/^[#a-z0-9(),.\s%]+$/i],
      'text-align': [/^(left|right|center|justify)$/],
      'font-weight': [/^(bold|normal|\d+)$/],
      'font-style': [/^(italic|normal)$/],
    },
  },
  // An image from anywhere but the notebook itself (a relative or remote address) would be fetched.
  exclusiveFilter: (frame) => frame.tag === 'img' && !/^data:image\//.test(frame.attribs.src ?? ''),
  transformTags: {
    // Links open outside the page, without telling the target where they came from.
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer', target: '_blank' }),
  },
  // pandas marks its tables `dataframe`; ansi_up colours with `ansi-*` classes.
  allowedClasses: { '*': ['dataframe', /^ansi-/] },
};

/** HTML from a notebook (an output, or what markdown made) with everything active taken out. */
export function sanitizedHtml(html: string): string {
  return sanitizeHtml(html, SANITIZE);
}

const markdown = new Marked({ gfm: true, async: false });

/**
 * A markdown cell as HTML. `attachments` are the cell's own images (`attachment:name` in the
 * source), which become inline data; marked leaves raw HTML in the markdown as it is, so the
 * result is sanitised like any HTML from a notebook.
 */
export function markdownHtml(source: MultilineString, attachments?: Record<string, Record<string, MultilineString>>): string {
  const html = markdown.parse(joinText(source)) as string;
  const inlined = attachments
    ? html.replace(/src="attachment:([^"]+)"/g, (whole, name: string) => {
        const bundle = attachments[decodeURIComponent(name)];
        const mime = bundle && Object.keys(bundle).find((type) => type.startsWith('image/'));
        return mime && bundle ? `src="data:${mime};base64,${joinText(bundle[mime]).replace(/\s/g, '')}"` : whole;
      })
    : html;
  return sanitizedHtml(inlined);
}

/** Text as HTML, its ANSI colour sequences as coloured spans and everything else escaped. */
export function ansiHtml(text: string): string {
  const converter = new AnsiUp();
  converter.use_classes = true;
  // Carriage returns redraw a line (progress bars): what a terminal would end up showing.
  const drawn = text
    .split('\n')
    .map((line) => line.slice(line.replace(/\r+$/, '').lastIndexOf('\r') + 1))
    .join('\n');
  return converter.ansi_to_html(drawn);
}
