import { TokenConfigError } from '../errors/token-config.error.js';
import { type JoseModule, loadJose } from '../internal/jose.loader.js';

/** `jose` for DPoP keys and proofs; a missing peer is a problem of the `dpop` option. @internal */
export function loadDpopJose(): Promise<JoseModule> {
  return loadJose().catch((error: unknown) => {
    const reason = error instanceof Error && 'code' in error ? ` (${String((error as { code: unknown }).code)})` : '';
    throw new TokenConfigError([
      { field: 'dpop', message: `needs the optional peer dependency "jose" (npm install jose), which could not be loaded${reason}` },
    ]);
  });
}
