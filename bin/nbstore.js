#!/usr/bin/env node
// The only place an error becomes an exit status and a line on stderr.
import { readFileSync } from 'node:fs';
import module from 'node:module';

const argv = process.argv.slice(2);

// `--version` needs none of the command machinery: answer before loading it.
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
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
    const debug = process.env.NBSTORE_DEBUG === '1';
    if (err && err.name === 'NbstoreError') {
      process.stderr.write(`nbstore: ${err.message}\n`);
      if (debug && err.cause) process.stderr.write(`${err.cause.stack ?? err.cause}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(
        `nbstore: internal error: ${escapeControls(err?.message ?? err)}${debug ? '' : ' (NBSTORE_DEBUG=1 shows details)'}\n`,
      );
      if (debug) process.stderr.write(`${err?.stack ?? ''}\n`);
      process.exitCode = 70;
    }
  }
}
