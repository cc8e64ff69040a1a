// Generated notebooks of a given size for the benchmark: code cells with text outputs, and an
// image output every tenth cell, like a real analysis notebook.
import { readFileSync, writeFileSync } from 'node:fs';

export function makeNotebook({ cells, bytes }) {
  const perCell = Math.max(64, Math.floor(bytes / cells));
  const list = [];
  for (let i = 0; i < cells; i++) {
    const source = [`# step ${i}\n`, `result_${i} = compute(data, step=${i})\n`, `result_${i}.describe()`];
    const outputs = [];
    if (i % 10 === 0) {
      const png = Buffer.alloc(Math.floor(perCell * 0.7), i % 251).toString('base64');
      outputs.push({ output_type: 'display_data', data: { 'image/png': png, 'text/plain': ['<Figure>'] }, metadata: {} });
    } else {
      const line = `value ${i} `.padEnd(79, '.') + '\n';
      const lines = Array.from({ length: Math.max(1, Math.floor((perCell * 0.7) / 80)) }, () => line);
      outputs.push({ output_type: 'stream', name: 'stdout', text: lines });
    }
    list.push({ cell_type: 'code', execution_count: i + 1, id: `cell-${i}`, metadata: {}, outputs, source });
  }
  const notebook = {
    cells: list,
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return JSON.stringify(notebook, null, 1);
}

/** Changes a notebook in place: the source of `count` cells, marked with `edit`. */
export function editNotebook(path, edit, count = 1) {
  const notebook = JSON.parse(readFileSync(path, 'utf8'));
  for (let i = 0; i < count && i < notebook.cells.length; i++) {
    const cell = notebook.cells[(i * 7 + edit) % notebook.cells.length];
    cell.source = [`# edit ${edit}\n`, ...[].concat(cell.source).slice(1)];
  }
  writeFileSync(path, JSON.stringify(notebook, null, 1));
}
