import { TokenConfigError, type TokenConfigProblem } from '../errors/token-config.error.js';
import { optionalNonEmptyString } from '../options/option-checks.js';
import { normaliseExtraParams, normaliseResources, normaliseScope } from '../options/token-parameter-checks.js';
import type { TokenParameterSet, TokenRequestParameters } from '../options/token-request-parameters.interface.js';

/** A call's parameters merged with the registration's, and the key of their cache entry. @internal */
export interface ResolvedTokenParameters {
  readonly parameters: TokenParameterSet;
  readonly key: string;
}

/** Whether a call names no token parameter (only `signal` or `forceRenewal`): the registration's own entry. @internal */
export function namesNoParameter(request: TokenRequestParameters): boolean {
  return (
    request.scope === undefined && request.audience === undefined && request.resource === undefined && request.extraParams === undefined
  );
}

/**
 * The cache key of a parameter set: equal for every set that asks the server for the same token. Scope
 * tokens are a set (RFC 6749 §3.3: order does not matter), so are resource indicators (RFC 8707 §2);
 * audience and every extra parameter count, values included (an extra parameter left out of the key would
 * hand one caller a token minted for another's parameters).
 * @internal
 */
export function tokenParametersKey({ scope, audience, resources, extraParams }: TokenParameterSet): string {
  const scopes = scope === undefined ? [] : [...new Set(scope.split(' '))].sort();
  const extras = Object.entries(extraParams).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([scopes, audience ?? null, [...new Set(resources)].sort(), extras]);
}

/**
 * Merges one call's parameters into the registration's and checks them like the module options.
 * Rejects with a `TokenConfigError` naming each bad field (never its value).
 * @internal
 */
export function resolveTokenParameters(registration: TokenParameterSet, request: TokenRequestParameters): ResolvedTokenParameters {
  const problems: TokenConfigProblem[] = [];
  const report = (field: string, message: string) => problems.push({ field, message });
  const scope = request.scope === undefined ? registration.scope : canonicalScope(normaliseScope(request.scope, report));
  const audience = request.audience === undefined ? registration.audience : optionalNonEmptyString(request.audience, 'audience', report);
  const resources =
    request.resource === undefined ? registration.resources : [...new Set(normaliseResources(request.resource, report))].sort();
  const extraParams =
    request.extraParams === undefined
      ? registration.extraParams
      : { ...registration.extraParams, ...normaliseExtraParams(request.extraParams, report) };
  if (problems.length > 0) throw new TokenConfigError(problems, 'token request parameters');
  const parameters: TokenParameterSet = {
    ...(scope !== undefined ? { scope } : {}),
    ...(audience !== undefined ? { audience } : {}),
    resources,
    extraParams,
  };
  return { parameters, key: tokenParametersKey(parameters) };
}

/** Scope tokens in one order without duplicates: equal requests send equal bodies. */
function canonicalScope(scope: string | undefined): string | undefined {
  return scope === undefined ? undefined : [...new Set(scope.split(' '))].sort().join(' ');
}
