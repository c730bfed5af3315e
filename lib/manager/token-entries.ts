import { TokenConfigError } from '../errors/token-config.error.js';
import type { TokenParameterSet, TokenRequestParameters } from '../options/token-request-parameters.interface.js';
import type { AccessTokenRequestOptions } from './token-event.interface.js';
import type { TokenEntry } from './token-entry.js';
import { ParameterSpellings } from './parameter-spellings.js';
import { namesNoParameter, resolveTokenParameters, tokenParametersKey } from './token-parameters.js';

/** Builds the entry of one parameter set; `key` is its `tokenParametersKey`. @internal */
export type TokenEntryFactory = (parameters: TokenParameterSet, key: string) => TokenEntry;

/** How many spellings of parameter sets are remembered per entry, on average, for the per-call lookup. */
const SPELLINGS_PER_ENTRY = 8;

/**
 * A client's cache entries: the registration's own, which is never evicted, and one per distinct set of
 * per-call parameters, at most `maxCachedTokens` of them. When a new set would exceed the bound, the
 * least recently used entry with no refresh in flight is closed and forgotten (an entry being refreshed
 * has callers waiting on it; it becomes evictable once its refresh settles).
 * @internal
 */
export class TokenEntries {
  /** By `tokenParametersKey`. */
  readonly #byKey = new Map<string, TokenEntry>();
  /** By the parameters as calls spell them: the per-call lookup, without normalising or checking again. */
  readonly #bySpelling: ParameterSpellings<TokenEntry>;
  readonly #registrationKey: string;
  #uses = 0;

  constructor(
    /** The entry of the registration's own parameters: `getAccessToken()` without parameters. */
    readonly registered: TokenEntry,
    private readonly registration: TokenParameterSet,
    private readonly create: TokenEntryFactory,
    private readonly maxCachedTokens: number,
  ) {
    this.#registrationKey = tokenParametersKey(registration);
    this.#bySpelling = new ParameterSpellings((maxCachedTokens + 1) * SPELLINGS_PER_ENTRY);
  }

  /** The entry for a call's parameters, created on first use. Throws a `TokenConfigError` for invalid parameters. */
  entryFor(request: TokenRequestParameters): TokenEntry {
    if (namesNoParameter(request)) return this.registered;
    const entry = this.#bySpelling.get(request) ?? this.resolve(request);
    entry.lastUsed = ++this.#uses;
    return entry;
  }

  /** The entry for a call's parameters when one exists; never creates one. */
  existing(request: TokenRequestParameters | undefined): TokenEntry | undefined {
    if (request === undefined || namesNoParameter(request)) return this.registered;
    const { key } = resolveTokenParameters(this.registration, request);
    return key === this.#registrationKey ? this.registered : this.#byKey.get(key);
  }

  /** The token for a call's parameters; invalid parameters reject with a `TokenConfigError` (never a synchronous throw). */
  getAccessToken(request: AccessTokenRequestOptions): Promise<string> {
    try {
      return this.entryFor(request).get(request.signal, request.forceRenewal);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the TokenConfigError thrown for bad parameters, passed on as is
      return Promise.reject(error);
    }
  }

  /** Drops `rejectedToken` from the entry of the call's parameters (the registration's without) and renews it; invalid parameters reject. */
  async renewRejected(rejectedToken: string, request?: AccessTokenRequestOptions): Promise<string> {
    const entry = request === undefined ? this.registered : this.entryFor(request);
    return entry.renewRejected(rejectedToken, request?.signal);
  }

  /** The entry for `parameters` (undefined: the registration's) if one is held; invalid parameters have none. */
  held(parameters: TokenRequestParameters | undefined): TokenEntry | undefined {
    try {
      return this.existing(parameters);
    } catch {
      return undefined;
    }
  }

  /** Throws the `TokenConfigError` that `getAccessToken(parameters)` would reject with, its subject `where`. */
  checkParameters(parameters: TokenRequestParameters, where: string): void {
    try {
      this.existing(parameters);
    } catch (error) {
      throw error instanceof TokenConfigError ? new TokenConfigError(error.problems, where) : error;
    }
  }

  /** The `token_type` of `token` when it is the last token obtained for any entry, else undefined. */
  tokenTypeOf(token: string): string | undefined {
    for (const entry of this) {
      const tokenType = entry.cache.tokenTypeOf(token);
      if (tokenType !== undefined) return tokenType;
    }
    return undefined;
  }

  /**
   * RFC 7009: drops and revokes every cached token. With a `store` each is deleted there first
   * (compare-and-delete), so no instance adopts it once revoked.
   */
  async revokeAll(): Promise<void> {
    const revocations = [...this].map(async ({ cache, source }) => {
      const dropped = cache.drop();
      if (dropped === undefined) return;
      await source.discard?.(dropped.value);
      await source.revokeQuietly(dropped.value);
    });
    await Promise.all(revocations);
  }

  /** Every entry, the registration's first. */
  *[Symbol.iterator](): IterableIterator<TokenEntry> {
    yield this.registered;
    yield* this.#byKey.values();
  }

  /** How many per-call entries are held (the registration's not counted). */
  get size(): number {
    return this.#byKey.size;
  }

  /** Closes every entry (module shutdown). */
  close(): void {
    for (const entry of this) entry.close();
  }

  private resolve(request: TokenRequestParameters): TokenEntry {
    const { parameters, key } = resolveTokenParameters(this.registration, request);
    let entry = key === this.#registrationKey ? this.registered : this.#byKey.get(key);
    if (entry === undefined) {
      this.evictBeyond(this.maxCachedTokens - 1);
      entry = this.create(parameters, key);
      this.#byKey.set(key, entry);
    }
    this.#bySpelling.set(request, entry);
    return entry;
  }

  /** Evicts least recently used idle entries until at most `limit` remain (or only busy ones are left). */
  private evictBeyond(limit: number): void {
    while (this.#byKey.size > limit) {
      let victimKey: string | undefined;
      let victim: TokenEntry | undefined;
      for (const [key, entry] of this.#byKey) {
        if (!entry.flight.inFlight && (victim === undefined || entry.lastUsed < victim.lastUsed)) [victimKey, victim] = [key, entry];
      }
      if (victim === undefined) return;
      this.#byKey.delete(victimKey!);
      this.#bySpelling.clear();
      victim.close();
    }
  }
}
