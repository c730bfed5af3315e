/**
 * The layering of lib/ (docs/architecture.md#how-it-is-built), checked by `npm run lint:deps` (part of
 * `npm test`, so CI runs it): no circular imports (type-only imports included), no import from a lower
 * layer to a higher one, no file the package entry points cannot reach.
 */

/** The root entry point and the subpath exports (package.json `exports`). */
const ENTRY_POINTS = '^lib/(index|config/index|health/index|otel/index|testing/index|redis/index|grpc/index|undici/index)\\.ts$';

/** Layers, top to bottom; a file may import its own layer's folder and the layers below it. */
const LAYERS = [
  { name: 'module wiring', path: '^lib/([^/]+\\.ts$|registration/|warm-up/|clients/)' },
  { name: 'subpath features', path: '^lib/(config|health|otel|testing|redis|grpc|undici)/' },
  { name: 'options validation', path: '^lib/validation/' },
  { name: 'manager', path: '^lib/manager/' },
  { name: 'token sources and fleet', path: '^lib/(source|fleet|store|retry)/' },
  { name: 'transports', path: '^lib/(http|fetch)/' },
  { name: 'request authorizer', path: '^lib/authorizer/' },
  { name: 'discovery', path: '^lib/discovery/' },
  { name: 'endpoint client', path: '^lib/endpoint/' },
  { name: 'dpop', path: '^lib/dpop/' },
  { name: 'options', path: '^lib/options/' },
  { name: 'credentials', path: '^lib/credentials/' },
  { name: 'core', path: '^lib/(core|errors)/' },
  { name: 'internal helpers', path: '^lib/internal/' },
];

/**
 * Imports that still point upward, inside files other restructurings own (issue 13: manager, HTTP);
 * each goes once its file moves. `layer` is the importing file's layer; only the import from `from` to
 * `to` is allowed, every other upward import of those files is still reported.
 */
const TEMPORARY_EXCEPTIONS = [];

/** Per layer: no import of a higher layer; files with an exception get a rule of their own that allows just that import. */
const upwardImportRules = LAYERS.flatMap((layer, rank) => {
  if (rank === 0) return [];
  const higher = LAYERS.slice(0, rank).map((above) => above.path);
  const exceptions = TEMPORARY_EXCEPTIONS.filter((exception) => exception.layer === layer.name);
  const name = `no-upward-import-from-${layer.name.replace(/ /g, '-')}`;
  const comment = `${layer.name} imports only its own layer and those below it`;
  return [
    {
      name,
      comment,
      severity: 'error',
      from: { path: layer.path, pathNot: exceptions.map((exception) => exception.from) },
      to: { path: higher },
    },
    ...exceptions.map((exception) => ({
      name,
      comment: `${comment} (temporary exception: ${exception.to})`,
      severity: 'error',
      from: { path: exception.from },
      to: { path: higher, pathNot: exception.to },
    })),
  ];
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycles, type-only imports included',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment: 'every file in lib/ is imported or imports something',
      severity: 'error',
      from: { orphan: true, path: '^lib/' },
      to: {},
    },
    {
      name: 'no-unreachable-from-entry-points',
      comment: 'every file in lib/ is reachable from the root entry point or a subpath export',
      severity: 'error',
      from: { path: ENTRY_POINTS },
      to: { path: '^lib/', pathNot: ENTRY_POINTS, reachable: false },
    },
    ...upwardImportRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js'],
    },
  },
};
