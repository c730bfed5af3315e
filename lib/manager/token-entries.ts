import type { TokenParameterSet, TokenRequestParameters } from '../options/token-request-parameters.interface.js';
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
