import { pickStoredToken, type StoredToken } from '../core/token-store.interface.js';

/** A stored token payload, or `undefined` when it is not one this package wrote. @internal */
export function parseStoredToken(payload: string): StoredToken | undefined {
  try {
    const value = JSON.parse(payload) as Partial<StoredToken>;
    const valid =
      typeof value.accessToken === 'string' &&
      typeof value.tokenType === 'string' &&
      typeof value.expiresInSeconds === 'number' &&
      typeof value.obtainedAtMs === 'number' &&
      (value.scope === undefined || typeof value.scope === 'string');
    if (!valid) return undefined;
    return pickStoredToken({ ...(value as StoredToken), expiresInDefaulted: value.expiresInDefaulted === true });
  } catch {
    return undefined;
  }
}
