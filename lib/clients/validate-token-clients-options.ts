import { TokenConfigError, type TokenConfigProblem } from '../errors/token-config.error.js';
import type { ResolvedTokenClientsOptions, TokenClientsOptions } from './token-clients-options.interface.js';

const DEFAULT_MAX_CLIENTS = 100;
const DEFAULT_IDLE_TIMEOUT_MS = 15 * 60_000;

/** Checks `TokenClientsModule.forRoot()` options; every problem in one `TokenConfigError`. @internal */
export function validateTokenClientsOptions(raw: TokenClientsOptions = {}): ResolvedTokenClientsOptions {
  const problems: TokenConfigProblem[] = [];
  const maxClients = raw.maxClients ?? DEFAULT_MAX_CLIENTS;
  const idleTimeoutMs = raw.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  if (!Number.isInteger(maxClients) || maxClients < 1) problems.push({ field: 'maxClients', message: 'must be an integer ≥ 1' });
  if (!Number.isFinite(idleTimeoutMs) || idleTimeoutMs < 0) problems.push({ field: 'idleTimeoutMs', message: 'must be a number ≥ 0' });
  if (raw.factory !== undefined && typeof raw.factory !== 'function') problems.push({ field: 'factory', message: 'must be a function' });
  if (problems.length > 0) throw new TokenConfigError(problems, 'TokenClientsModule options');
  return { maxClients, idleTimeoutMs, ...(raw.factory !== undefined ? { factory: raw.factory } : {}) };
}
