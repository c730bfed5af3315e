/** Bounds every cached token obeys, whatever the options say. */

/**
 * Longest token lifetime believed: a longer `expires_in` (an IdP's "never expires", `1e308`) is
 * shortened to this, so the token is still refreshed now and then and every instant derived from it
 * is a valid date. One year.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 365 * 24 * 60 * 60;

/** The effective refresh margin never exceeds this fraction of a token's lifetime. */
export const MAX_MARGIN_FRACTION_OF_LIFETIME = 0.5;
