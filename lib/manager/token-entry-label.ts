import { httpOrigin } from '../authorizer/origin-allowlist.js';
import type { TokenParameterSet } from '../options/token-request-parameters.interface.js';

/**
 * How events, health output and metrics name one cached token of a client (a cache entry) without
 * showing its parameters: a scope list, an audience or an extra parameter may be unbounded or
 * sensitive, so none is ever a label. A client has at most `maxCachedTokens + 1` entries at a time.
 */
export interface TokenEntryLabel {
  /**
   * `default` for the registration's own parameters (calls without parameters); for a per-call
   * parameter set, the first 12 hex digits of its store key (the key it is shared under in a fleet).
   */
  readonly id: string;
  /** The origin of its RFC 8707 resource indicator (the first, in sorted order), when that is an http(s) URL. */
  readonly resourceOrigin?: string | undefined;
}

/** The `id` of the registration's entry. */
export const DEFAULT_TOKEN_ENTRY_ID = 'default';

/** Hex digits of the store key in an entry's id: 48 bits, so ids of up to thousands of entries do not collide. */
const ID_HEX_DIGITS = 12;

/** The label of the registration's entry (`storeKey` undefined) or of a per-call entry under `storeKey`. @internal */
export function tokenEntryLabel(storeKey: string | undefined, parameters: TokenParameterSet): TokenEntryLabel {
  const id = storeKey === undefined ? DEFAULT_TOKEN_ENTRY_ID : storeKey.slice(0, ID_HEX_DIGITS);
  const resource = [...parameters.resources].sort()[0];
  const resourceOrigin = resource === undefined ? undefined : httpOrigin(resource);
  return Object.freeze(resourceOrigin === undefined ? { id } : { id, resourceOrigin });
}
