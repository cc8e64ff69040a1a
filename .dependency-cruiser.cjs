/**
 * The layering rule: main -> commands -> (cli, ui) -> ops -> workspace -> history -> (store,
 * notebook) -> lib. A module may import its own folder and the layers below it, never above;
 * no cycles. `npm test` runs this check on the compiled tree (dist/src, dist/ui): this
 * dependency-cruiser reads TypeScript only through the TypeScript 5 compiler API, which
 * TypeScript 7 no longer has, so imports that compile away (type-only ones) are not seen.
 */
const LAYERS = [
  ['main', '^dist/src/main\\.js$'],
  ['commands', '^dist/src/commands/'],
  ['cli', '^dist/src/cli/'],
  ['ui', '^dist/ui/'],
  ['ops', '^dist/src/ops/'],
  ['workspace', '^dist/src/workspace/'],
  ['history', '^dist/src/history/'],
  ['store', '^dist/src/store/'],
  ['notebook', '^dist/src/notebook/'],
  ['lib', '^dist/src/lib/'],
];

/** What each layer may import besides itself. */
const MAY_IMPORT = {
  main: ['commands', 'cli', 'ops', 'workspace', 'history', 'store', 'notebook', 'lib'],
  commands: ['cli', 'ui', 'ops', 'workspace', 'history', 'store', 'notebook', 'lib'],
  cli: ['workspace', 'lib'],
  ui: ['ops', 'history', 'notebook', 'lib'],
  ops: ['workspace', 'history', 'store', 'notebook', 'lib'],
  workspace: ['history', 'store', 'notebook', 'lib'],
  history: ['store', 'notebook', 'lib'],
  store: ['lib'],
  notebook: ['lib'],
  lib: [],
};

const pathOf = Object.fromEntries(LAYERS);
const either = (names) => (names.length === 0 ? '^$' : names.map((name) => pathOf[name]).join('|'));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Import cycles hide which layer owns what.', from: {}, to: { circular: true } },
    ...LAYERS.map(([name, path]) => ({
      name: `layer-${name}`,
      severity: 'error',
      comment: `${name} may import only ${MAY_IMPORT[name].join(', ') || 'nothing of nbstore'} (besides itself)`,
      from: { path },
      to: { path: '^dist/(src|ui)/', pathNot: `${path}|${either(MAY_IMPORT[name])}` },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/(test|bundle)/' },
  },
};
