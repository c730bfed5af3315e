/** Public facts about the DPoP setup of a module instance, for health output and cache keys. */
export interface DpopStatus {
  /** `off`, or where the key comes from: `ephemeral` (generated at startup) or `configured`. */
  readonly mode: 'off' | 'ephemeral' | 'configured';
  /**
   * With `mode: 'ephemeral'` only: true when the generated key is the fleet's, agreed on through the
   * token store (one thumbprint, one token for the fleet); false when it is this process's own (no
   * store, or the store could not share it: see the startup warning).
   */
  readonly shared?: boolean | undefined;
  /** Signing algorithm, when DPoP is on. */
  readonly alg?: string | undefined;
  /** RFC 7638 thumbprint of the public key (the `cnf.jkt` of issued tokens), when DPoP is on. Public, not a secret. */
  readonly thumbprint?: string | undefined;
  /** Whether Bearer tokens are accepted from an IdP that ignores the proof. */
  readonly allowBearerDowngrade?: boolean | undefined;
}
