/** The `jose` module namespace. */
export type JoseModule = typeof import('jose');

let loading: Promise<JoseModule> | undefined;

/**
 * Loads the optional peer `jose` on first use, so applications without DPoP or `private_key_jwt` never
 * need it; a failed load is forgotten, so a later call tries again. Each feature words the missing
 * peer as its own option's problem. The ESM build keeps the dynamic `import()`; the CommonJS build
 * compiles it to `require('jose')`, which loads the ESM-only jose 6 through Node's require(esm) (on by
 * default from Node 20.19 / 22.12).
 * @internal
 */
export function loadJose(): Promise<JoseModule> {
  loading ??= import('jose').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
