/** DI token of the client's token source, fleet sharing included. @internal */
export const TOKEN_SOURCE = Symbol('TOKEN:SOURCE');
/** DI token of the client fingerprint (`tokenCacheKey`). @internal */
export const TOKEN_CACHE_KEY = Symbol('TOKEN:CACHE_KEY');
