import { Agent as HttpsAgent } from 'node:https';
import type { CredentialProvider } from '../credentials/credential-provider.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';

/** Where the client certificate comes from: the `tlsClientAuth` providers, shared with the token endpoint. @internal */
export interface ClientCertificateSource {
  readonly cert: CredentialProvider<string>;
  readonly key: CredentialProvider<string>;
  readonly passphrase?: string;
  /** CA certificate(s) the server's certificate is verified against (the system CAs when absent). */
  readonly ca?: string | string[];
}

/**
 * The HTTPS agent that presents the current client certificate (RFC 8705). One agent per version of
 * certificate and key: when either changes (a rollover), the next request gets a new agent, so new
 * connections present the new certificate without a restart (the replaced agent is left to finish its
 * requests in flight: it keeps no idle connection). Certificate and key live only inside the agent.
 * @internal
 */
export class ClientCertificateAgent {
  readonly #source: ClientCertificateSource;
  #current: { version: string; agent: HttpsAgent } | undefined;

  constructor(source: ClientCertificateSource) {
    this.#source = source;
  }

  /** The agent built last, undefined before the first read. */
  get latest(): HttpsAgent | undefined {
    return this.#current?.agent;
  }

  /** Reads certificate and key (a file is only `stat`ed while unchanged) and returns the agent for them. */
  async current(signal?: AbortSignal): Promise<HttpsAgent> {
    const [cert, key] = await Promise.all([this.#source.cert.readWithHash(signal), this.#source.key.readWithHash(signal)]);
    return this.agentFor(`${cert.hash}:${key.hash}`, cert.value, key.value);
  }

  /** The agent for this version of certificate and key, built when the version is new. */
  agentFor(version: string, cert: string, key: string): HttpsAgent {
    if (this.#current?.version === version) return this.#current.agent;
    const { passphrase, ca } = this.#source;
    const agent = new HttpsAgent({ cert, key, ...(passphrase !== undefined ? { passphrase } : {}), ...(ca !== undefined ? { ca } : {}) });
    this.#current = { version, agent };
    return agent;
  }

  /** Closes the connections of the current agent (module shutdown). */
  destroy(): void {
    this.#current?.agent.destroy();
    this.#current = undefined;
  }

  toJSON(): string {
    return 'ClientCertificateAgent';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON();
  }
}

/** An agent for the `tlsClientAuth` certificate, from the providers the options hold (validation made sure they exist). @internal */
export function clientCertificateAgentFor(options: ResolvedTokenOptions): ClientCertificateAgent {
  const { tlsCert, tlsKey, tlsPassphrase } = options.revealCredentials();
  const ca = options.tlsClientAuth?.ca;
  return new ClientCertificateAgent({
    cert: tlsCert!,
    key: tlsKey!,
    ...(tlsPassphrase !== undefined ? { passphrase: tlsPassphrase } : {}),
    ...(ca !== undefined ? { ca } : {}),
  });
}
