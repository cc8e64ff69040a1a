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
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  try {
    const { main } = await import('../dist/bundle/main.js');
    process.exitCode = await main(argv);
  } catch (err) {
    if (err && err.name === 'NbstoreError') {
      process.stderr.write(`nbstore: ${err.message}\n`);
      if (debug && err.cause) process.stderr.write(`${err.cause.stack ?? err.cause}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`nbstore: internal error: ${err?.message ?? err}${debug ? '' : ' (NBSTORE_DEBUG=1 shows details)'}\n`);
      if (debug) process.stderr.write(`${err?.stack ?? ''}\n`);
      process.exitCode = 70;
    }
  }
}
