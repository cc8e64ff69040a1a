#!/usr/bin/env node
// The only place an error becomes an exit status and a line on stderr.
import { readFileSync } from 'node:fs';
import module from 'node:module';

const argv = process.argv.slice(2);

// `--version` needs none of the command machinery: answer before loading it.
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const debug = process.env.NBSTORE_DEBUG === '1';
  // Stack traces in source lines (src/…ts) need the bundle's source maps, which take time to
  // load: only when debugging.
  if (debug) process.setSourceMapsEnabled(true);
  // Node 22 and later can keep the compiled bundle between runs (most of a cached command's
  // start); Node 20 has no such cache for ES modules.
  module.enableCompileCache?.();
  // `nbstore log … | head` closes the pipe early; that is not a failure.
  // Any other failure to write (ENOSPC on `>/dev/full`) is one line, not a stack.
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    process.stderr.write(`nbstore: cannot write the output: ${err.code ?? err.message}\n`);
    process.exit(1);
  });
  // Until the bundle is loaded: any control character becomes '?'.
  let escapeControls = (text) => String(text).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  try {
    const bundle = await import('../dist/bundle/main.js');
    escapeControls = bundle.escapeControls;
    process.exitCode = await bundle.main(argv);
  } catch (err) {
    const known = err && err.name === 'NbstoreError';
    const code = known ? err.code : 'internal';
    const message = known ? err.message : `internal error: ${escapeControls(err?.message ?? err)}`;
    // A command given --json (before any `--`) reports its failure as JSON too, for scripts.
    const words = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
    if (words.includes('--json')) process.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
    else process.stderr.write(`nbstore: ${message}${known || debug ? '' : ' (NBSTORE_DEBUG=1 shows details)'}\n`);
    const detail = known ? (err.cause?.stack ?? err.cause) : err?.stack;
    if (debug && detail) process.stderr.write(`${detail}\n`);
    process.exitCode = known ? err.exitCode : 70;
  }
}
