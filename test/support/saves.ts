import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addToSpool, type SpoolEntry } from '../../src/workspace/spool.js';
import { FIXTURES } from './cli.js';

const fixture = JSON.parse(readFileSync(join(FIXTURES, 'analysis.ipynb'), 'utf8')) as { cells: unknown[] };

/** The fixture notebook with a first cell that names `label`: one distinct content per label. */
export function notebookWith(label: string): Buffer {
  const notebook = structuredClone(fixture);
  notebook.cells.unshift({ cell_type: 'markdown', metadata: {}, source: [`save ${label}`] });
  return Buffer.from(JSON.stringify(notebook, null, 1));
}

/** Records a save of `rel` as the Jupyter hook does: a snapshot in the workspace's spool, in
 * src/workspace/spool.ts's layout, for `nbstore push --flush` to deliver. */
export function spoolSave(
  workspaceDir: string,
  rel: string,
  bytes: Uint8Array,
  fields: { author?: string; message?: string } = {},
): Promise<SpoolEntry> {
  return addToSpool(join(workspaceDir, '.nbstore', 'spool'), { path: rel, savedAt: new Date().toISOString(), ...fields }, bytes);
}
