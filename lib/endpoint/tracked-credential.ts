import type { CredentialProvider } from '../credentials/credential-provider.js';

/**
 * A provider's value with the hash of the one the last request carried, so `changed()` can tell a
 * rotation from the same credential read twice.
 * @internal
 */
export function trackCredential<T>(provider: CredentialProvider<T>) {
  let sentHash: string | undefined;
  return {
    // Arrow functions: `changed` is handed on detached, as a `ClientAuthentication`'s `credentialsChanged`.
    read: async (signal?: AbortSignal): Promise<T> => {
      const reading = await provider.readWithHash(signal);
      sentHash = reading.hash;
      return reading.value;
    },
    changed: async (signal?: AbortSignal): Promise<boolean> => {
      if (!provider.changes) return false;
      return (await provider.reread(signal)).hash !== sentHash;
    },
  };
}
