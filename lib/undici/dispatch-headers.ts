import type { CredentialHeaders } from '../authorizer/request-grant.js';

/** A header record as undici dispatches it. */
type HeaderRecord = Record<string, string | string[] | undefined>;

/** The forms undici accepts for `DispatchOptions.headers`: a record, a flat `[name, value, ...]` list, or pairs. */
export type DispatchHeaders = HeaderRecord | readonly unknown[] | Iterable<readonly [string, unknown]> | null | undefined;

/** `[name, value]` for each header, whatever the form. */
function* entriesOf(headers: DispatchHeaders): Iterable<readonly [string, unknown]> {
  if (headers === null || headers === undefined) return;
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) yield* headers as Iterable<readonly [string, unknown]>;
    else for (let index = 0; index + 1 < headers.length; index += 2) yield [String(headers[index]), headers[index + 1]];
  } else if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') yield* headers as Iterable<readonly [string, unknown]>;
  else yield* Object.entries(headers as HeaderRecord);
}

/** Whether `headers` hold `name` (lower case), in any spelling. */
export function hasHeader(headers: DispatchHeaders, name: string): boolean {
  if (headers === null || headers === undefined) return false;
  if (isRecord(headers)) {
    for (const key in headers) if (key.length === name.length && key.toLowerCase() === name) return true;
    return false;
  }
  for (const [key] of entriesOf(headers)) if (key.length === name.length && key.toLowerCase() === name) return true;
  return false;
}

/** A plain header record: the common case, read without building entries. */
function isRecord(headers: object): headers is HeaderRecord {
  return !Array.isArray(headers) && typeof (headers as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function';
}

/**
 * `headers` with the credentials of a grant: its headers set in place of any of the same name, and a
 * name whose value is undefined removed (no proof for a downgraded Bearer token). The request's own
 * headers are left as they are; a new record is returned.
 */
export function withCredentials(headers: DispatchHeaders, credentials: CredentialHeaders): HeaderRecord {
  const result: HeaderRecord = {};
  if (headers !== null && headers !== undefined) {
    if (isRecord(headers)) {
      for (const name in headers) if (!isCredentialHeader(name, credentials)) result[name] = headers[name];
    } else {
      for (const [name, value] of entriesOf(headers)) {
        if (isCredentialHeader(name, credentials) || value === undefined) continue;
        const previous = result[name];
        // Header values are strings, numbers or arrays of them (undici's flat header lists); String() is their wire form.
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- values are primitives here
        const text = Array.isArray(value) ? value.map(String) : String(value);
        result[name] = previous === undefined ? text : [previous, text].flat();
      }
    }
  }
  result.authorization = credentials.Authorization;
  if (credentials.DPoP !== undefined) result.dpop = credentials.DPoP;
  return result;
}

/** Whether a header of the request's is one the credentials set or remove (`Authorization`, `DPoP`). */
function isCredentialHeader(name: string, credentials: CredentialHeaders): boolean {
  if (name.length === 13) return name.toLowerCase() === 'authorization';
  return name.length === 4 && name.toLowerCase() === 'dpop' && 'DPoP' in credentials;
}
