import { TokenConfigError } from '../errors/token-config.error.js';

/** The `jose` module namespace. */
export type JoseModule = typeof import('jose');

let loading: Promise<JoseModule> | undefined;

/**
 * Loads the optional peer `jose` on first use, so applications without DPoP never need it. The
 * ESM build keeps the dynamic `import()`; the CommonJS build compiles it to `require('jose')`, which
 * loads the ESM-only jose 6 through Node's require(esm) (on by default from Node 20.19 / 22.12).
 * @internal
 */
export function loadJose(): Promise<JoseModule> {
  loading ??= import('jose').catch((error: unknown) => {
    loading = undefined;
    const reason = error instanceof Error && 'code' in error ? ` (${String((error as { code: unknown }).code)})` : '';
    throw new TokenConfigError([
      { field: 'dpop', message: `needs the optional peer dependency "jose" (npm install jose), which could not be loaded${reason}` },
    ]);
  });
  return loading;
}
