import type { Report } from './option-checks.js';

/** Form parameters the module owns; `extraParams` may not override them. */
const RESERVED_PARAMS = new Set(['grant_type', 'client_id', 'client_secret', 'client_assertion', 'client_assertion_type']);

/*
 * The checks of the token parameters (scope, resource, extraParams), shared by the module options and
 * the per-request parameters of `getAccessToken()`. A problem names the field, never its value.
 */

/** A space-separated string or a list, as one space-separated string; undefined when empty. @internal */
export function normaliseScope(value: unknown, report: Report): string | undefined {
  if (value === undefined || value === null) return undefined;
  const parts = typeof value === 'string' ? value.split(/\s+/) : Array.isArray(value) ? value : undefined;
  if (parts === undefined || parts.some((part) => typeof part !== 'string')) {
    report('scope', 'must be a string or an array of strings');
    return undefined;
  }
  const scopes = (parts as string[]).map((part) => part.trim()).filter((part) => part !== '');
  if (scopes.some((scope) => /[\s"\\]/.test(scope))) report('scope', 'scope tokens must not contain spaces, quotes or backslashes');
  return scopes.length > 0 ? scopes.join(' ') : undefined;
}

/** The `resource` option as a list of absolute URIs without fragment (RFC 8707 §2). @internal */
export function normaliseResources(value: unknown, report: Report): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  const resources: string[] = [];
  list.forEach((item, index) => {
    const field = Array.isArray(value) ? `resource[${index}]` : 'resource';
    if (typeof item !== 'string') return report(field, 'must be an absolute URI string');
    try {
      const url = new URL(item);
      if (url.hash) return report(field, 'must not have a fragment (RFC 8707)');
      resources.push(item);
    } catch {
      report(field, 'must be an absolute URI (RFC 8707)');
    }
  });
  return resources;
}

/** String-valued extra form parameters that do not override one the module sets. @internal */
export function normaliseExtraParams(value: unknown, report: Report): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    report('extraParams', 'must be an object of string values');
    return {};
  }
  const params: Record<string, string> = {};
  for (const [key, param] of Object.entries(value)) {
    if (RESERVED_PARAMS.has(key)) report(`extraParams.${key}`, 'is set by the module and cannot be overridden');
    else if (typeof param !== 'string') report(`extraParams.${key}`, 'must be a string');
    else params[key] = param;
  }
  return params;
}
