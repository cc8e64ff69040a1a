#!/usr/bin/env node
// Writes a large, realistic notebook for benchmarks: markdown, code with stream, table and image
// outputs, grown to a target size with image data. The same seed gives the same bytes.
// `--edit` writes the next version of it instead: some sources edited, outputs re-run, cells
// added, removed and moved, as a working session would leave it.
//
//   node bench/make-notebook.mjs big.ipynb                       # 1,000 cells, ~10 MB
//   node bench/make-notebook.mjs big-v2.ipynb --edit             # its next version
//   node bench/make-notebook.mjs big.ipynb --cells 200 --mb 2 --no-ids   # nbformat 4.4, no cell ids
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    cells: { type: 'string', default: '1000' },
    mb: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    edit: { type: 'boolean', default: false },
    'no-ids': { type: 'boolean', default: false },
  },
});
const out = positionals[0];
if (!out) {
  process.stderr.write('usage: node bench/make-notebook.mjs OUT.ipynb [--cells N] [--mb MB] [--seed S] [--edit] [--no-ids]\n');
  process.exit(2);
}
const cellCount = Number(values.cells);
const targetBytes = Number(values.mb) * 1024 * 1024;

/** mulberry32: a small seeded generator, so runs are reproducible. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(Number(values.seed));
const pick = (items, r = rand) => items[Math.floor(r() * items.length)];
const WORDS =
  'revenue churn cohort region model feature weight loss epoch sample mean median variance customer order basket price margin forecast trend season'.split(
    ' ',
  );
const words = (n, r = rand) => Array.from({ length: n }, () => pick(WORDS, r)).join(' ');
const lines = (text) =>
  text
    .split('\n')
    .map((l, i, all) => (i < all.length - 1 ? `${l}\n` : l))
    .filter((l) => l !== '');

function codeSource(i, r = rand) {
  const name = `${pick(WORDS, r)}_${i}`;
  return [
    `# ${words(6, r)}`,
    `${name} = df[df.${pick(WORDS, r)} > ${Math.floor(r() * 100)}]`,
    `${name} = ${name}.groupby('${pick(WORDS, r)}').${pick(['sum', 'mean', 'median', 'count'], r)}()`,
    ...Array.from(
      { length: Math.floor(r() * 8) },
      () => `${name}['${pick(WORDS, r)}'] = ${name}.${pick(WORDS, r)} * ${(r() * 10).toFixed(2)}`,
    ),
    `${name}.head()`,
  ].join('\n');
}

function streamText(r = rand) {
  return Array.from({ length: 5 + Math.floor(r() * 30) }, (_, k) => `step ${k}  ${pick(WORDS, r)} ${(r() * 1000).toFixed(4)}`).join('\n');
}

function table(r = rand) {
  const rows = Array.from(
    { length: 10 },
    (_, k) => `<tr><th>${k}</th>${Array.from({ length: 5 }, () => `<td>${(r() * 1000).toFixed(2)}</td>`).join('')}</tr>`,
  );
  return `<table border="1" class="dataframe"><thead><tr><th></th>${WORDS.slice(0, 5)
    .map((w) => `<th>${w}</th>`)
    .join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function imageData(bytes, r = rand) {
  const raw = Buffer.alloc(bytes);
  for (let k = 0; k < bytes; k++) raw[k] = Math.floor(r() * 256);
  // Jupyter writes base64 in lines of 76 characters.
  return `${raw.toString('base64').replace(/.{76}/g, '$&\n')}\n`;
}

function makeCell(i, kind, r = rand) {
  const id = `cell-${i.toString(36).padStart(4, '0')}`;
  if (kind === 'markdown') return { cell_type: 'markdown', id, metadata: {}, source: lines(`## ${words(4, r)}\n\n${words(40, r)}`) };
  const cell = { cell_type: 'code', execution_count: i + 1, id, metadata: {}, outputs: [], source: lines(codeSource(i, r)) };
  if (kind === 'stream') cell.outputs.push({ name: 'stdout', output_type: 'stream', text: lines(streamText(r)) });
  if (kind === 'table')
    cell.outputs.push({
      data: { 'text/html': [table(r)], 'text/plain': lines(`   ${words(5, r)}\n0  ${(r() * 9).toFixed(3)}`) },
      execution_count: i + 1,
      metadata: {},
      output_type: 'execute_result',
    });
  if (kind === 'image')
    cell.outputs.push({
      data: { 'image/png': '', 'text/plain': ['<Figure size 640x480 with 1 Axes>'] },
      metadata: {},
      output_type: 'display_data',
    });
  return cell;
}

const KINDS = ['markdown', 'markdown', 'stream', 'stream', 'stream', 'table', 'table', 'image', 'image', 'image'];
const cells = Array.from({ length: cellCount }, (_, i) => makeCell(i, KINDS[i % KINDS.length]));
const notebook = {
  cells,
  metadata: {
    kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' },
    language_info: { name: 'python', version: '3.11.4' },
  },
  nbformat: 4,
  nbformat_minor: 5,
};

// Grow to the target size with image data, spread over the image cells.
const images = cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data && 'image/png' in o.data);
const base = Buffer.byteLength(JSON.stringify(notebook, null, 1));
const perImage = Math.max(64, Math.floor(((targetBytes - base) / Math.max(1, images.length)) * 0.75));
for (const output of images) output.data['image/png'] = imageData(perImage);

if (values.edit) {
  // The next version: its own generator, so the first version's bytes do not depend on it.
  const r = random(Number(values.seed) + 1000);
  const codeCells = () => cells.filter((c) => c.cell_type === 'code');
  for (let k = 0; k < Math.ceil(cellCount / 50); k++) {
    const cell = pick(codeCells(), r);
    cell.source = lines(`${cell.source.join('')}\n${cell.source[1]?.trimEnd() ?? ''}  # ${words(3, r)}`);
  }
  for (let k = 0; k < Math.ceil(cellCount / 50); k++) {
    const cell = pick(
      codeCells().filter((c) => c.outputs.some((o) => o.output_type === 'stream')),
      r,
    );
    cell.outputs[0].text = lines(streamText(r));
  }
  for (let k = 0; k < Math.ceil(cellCount / 100); k++) {
    const cell = pick(
      codeCells().filter((c) => c.outputs.some((o) => o.output_type === 'display_data')),
      r,
    );
    cell.outputs[0].data['image/png'] = imageData(perImage, r);
  }
  for (const cell of codeCells()) {
    cell.execution_count += cellCount;
    for (const output of cell.outputs) if ('execution_count' in output) output.execution_count = cell.execution_count;
  }
  for (let k = 0; k < 5; k++) cells.splice(Math.floor(r() * cells.length), 1);
  for (let k = 0; k < 5; k++) cells.splice(Math.floor(r() * cells.length), 0, makeCell(cellCount + k, pick(['markdown', 'stream'], r), r));
  for (let k = 0; k < 3; k++) {
    const [moved] = cells.splice(Math.floor(r() * cells.length), 1);
    cells.splice(Math.floor(r() * cells.length), 0, moved);
  }
}

if (values['no-ids']) {
  notebook.nbformat_minor = 4;
  for (const cell of cells) delete cell.id;
}
const text = `${JSON.stringify(notebook, null, 1)}\n`;
writeFileSync(out, text);
process.stderr.write(`${out}: ${cells.length} cells, ${(Buffer.byteLength(text) / 1024 / 1024).toFixed(1)} MB\n`);
