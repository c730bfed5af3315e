import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import type { ClientAuthentication, ClientCredentialsPart } from './client-authentication.interface.js';
import { clientCertificateAgentFor } from './client-certificate-agent.js';
import { trackCredential } from './tracked-credential.js';

/**
 * RFC 8705 §2.1: the TLS client certificate authenticates; `client_id` identifies the client in the
 * body. Certificate and key are read for each request (a file is only `stat`ed while unchanged); when
 * either changed, the next requests go through a new agent, so new connections present the new
 * certificate (a rollover needs no restart).
 * @internal
 */
export function tlsClientAuth(options: ResolvedTokenOptions): ClientAuthentication {
  const { tlsCert, tlsKey, tlsPassphrase } = options.revealCredentials();
  const cert = trackCredential(tlsCert!);
  const key = trackCredential(tlsKey!);
  const agents = clientCertificateAgentFor(options);
  const part: ClientCredentialsPart = { formFields: { client_id: options.clientId }, headers: {} };
  return {
    get httpsAgent() {
      return agents.latest;
    },
    secrets: tlsPassphrase !== undefined ? [tlsPassphrase] : [],
    async credentialsChanged(signal) {
      const [certChanged, keyChanged] = await Promise.all([cert.changed(signal), key.changed(signal)]);
      return certChanged || keyChanged;
    },
    async credentialsFor(_audience, signal) {
      const [certPem, keyPem] = await Promise.all([cert.read(signal), key.read(signal)]);
      agents.agentFor(`${tlsCert!.hash}:${tlsKey!.hash}`, certPem, keyPem);
      return part;
    },
  };
}
