// Bundles src/main.ts into dist/bundle/, the code bin/nbstore.js runs: one file to load instead
// of hundreds, split so that the S3 SDK, Ink and React load only with the commands that use them.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');

/**
 * yargs and cliui import string-width and wrap-ansi, whose top level builds Unicode-property
 * regular expressions and an Intl.Segmenter: about 50 ms at every start, for widths that only
 * help and usage text measure. Their imports from yargs and cliui go through a stand-in that
 * `require`s the real module on first call, which esbuild turns into a lazily run module.
 */
const deferTextWidth = {
  name: 'defer-text-width',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(string-width|wrap-ansi)$/ }, async (args) => {
      if (!/[\\/]node_modules[\\/](yargs|cliui)[\\/]/.test(args.importer)) return undefined;
      const real = await pluginBuild.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'deferred' };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: 'deferred' }, (args) => ({
      contents: `let real; export default function deferred(...args) { real ??= require(${JSON.stringify(args.path)}).default; return real(...args); }`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src', 'main.ts')],
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  splitting: true,
  minify: true,
  mainFields: ['module', 'main'],
  legalComments: 'none',
  logLevel: 'warning',
  // Ink imports it only when DEV is set, to talk to React's devtools.
  external: ['react-devtools-core'],
  // Bundled CommonJS dependencies call require.
  banner: { js: 'import { createRequire as __nbstoreRequire } from "node:module"; const require = __nbstoreRequire(import.meta.url);' },
  plugins: [deferTextWidth],
});
