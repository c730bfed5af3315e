/**
 * Token parameters of one `getAccessToken()` call. A parameter left out takes the registration's value;
 * `extraParams` are added to the registration's (a name given here wins). Each distinct set, once
 * normalised (scope order and duplicates, resource order), has its own cached token.
 */
export interface TokenRequestParameters {
  /** Requested scope: a space-separated string or a list. */
  readonly scope?: string | readonly string[] | undefined;
  /** `audience` parameter (Auth0 and similar). */
  readonly audience?: string | undefined;
  /** RFC 8707 resource indicator(s): absolute URIs, each sent as its own `resource` parameter. */
  readonly resource?: string | readonly string[] | undefined;
  /** Further form parameters of the token request; part of the cache key. */
  readonly extraParams?: Readonly<Record<string, string>> | undefined;
}

/** The token parameters one token request sends: the registration's, or one call's merged with them. @internal */
export interface TokenParameterSet {
  readonly scope?: string | undefined;
  readonly audience?: string | undefined;
  readonly resources: readonly string[];
  readonly extraParams: Readonly<Record<string, string>>;
}
