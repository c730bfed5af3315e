import { TokenError } from './token.error.js';

/**
 * A token store command failed or timed out. The token manager never passes it to callers: it logs
 * it (rate-limited) and fetches the token itself.
 */
export class TokenStoreError extends TokenError {}
