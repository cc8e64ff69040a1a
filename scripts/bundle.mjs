// Bundles src/main.ts into dist/bundle/, the code bin/nbstore.js runs: one file to load instead
// of hundreds, split so that the S3 SDK, Ink and React load only with the commands that use them.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, encode } from '@jridgewell/sourcemap-codec';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');

/**
 * yargs and cliui import string-width and wrap-ansi, whose top level builds Unicode-property
 * regular expressions and an Intl.Segmenter: about 50 ms at every start, for widths that only
 * help and usage text measure, and src/cli/columns.ts only for text that is not plain ASCII.
 * Their imports from yargs, cliui and columns.ts go through a stand-in that `require`s the real
 * module on first call, which esbuild turns into a lazily run module.
 */
const deferTextWidth = {
  name: 'defer-text-width',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(string-width|wrap-ansi)$/ }, async (args) => {
      if (!/[\\/]node_modules[\\/](yargs|cliui)[\\/]|[\\/]src[\\/]cli[\\/]columns\.ts$/.test(args.importer)) return undefined;
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
  // For NBSTORE_DEBUG=1 stack traces (bin/nbstore.js enables maps only then); see keepOwnMappings.
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  // Ink imports it only when DEV is set, to talk to React's devtools.
  external: ['react-devtools-core'],
  // Bundled CommonJS dependencies call require.
  banner: { js: 'import { createRequire as __nbstoreRequire } from "node:module"; const require = __nbstoreRequire(import.meta.url);' },
  plugins: [deferTextWidth],
});

/**
 * The maps are for stack traces through nbstore's own code. Mappings into dependencies (the S3
 * SDK, React, Ink: nine tenths of every map) go, so the package stays small; a frame in them
 * shows its place in the bundle. A chunk with no source of nbstore's own keeps no map at all.
 */
function keepOwnMappings(mapFile) {
  const map = JSON.parse(readFileSync(mapFile, 'utf8'));
  const sources = [];
  const names = [];
  const sourceIndex = new Map();
  const nameIndex = new Map();
  const indexIn = (list, index, value) => {
    if (!index.has(value)) index.set(value, list.push(value) - 1);
    return index.get(value);
  };
  const lines = decode(map.mappings).map((line) =>
    line.flatMap((segment) => {
      if (segment.length === 1 || /(^|\/)node_modules\//.test(map.sources[segment[1]])) return [];
      const [column, source, sourceLine, sourceColumn, name] = segment;
      const kept = [column, indexIn(sources, sourceIndex, map.sources[source]), sourceLine, sourceColumn];
      return [name === undefined ? kept : [...kept, indexIn(names, nameIndex, map.names[name])]];
    }),
  );
  const chunk = mapFile.slice(0, -'.map'.length);
  if (sources.length === 0) {
    rmSync(mapFile);
    writeFileSync(chunk, readFileSync(chunk, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\n?$/, '\n'));
    return;
  }
  writeFileSync(mapFile, JSON.stringify({ ...map, sources, names, mappings: encode(lines) }));
}

for (const file of readdirSync(outdir)) if (file.endsWith('.js.map')) keepOwnMappings(join(outdir, file));
