import axios, { type AxiosAdapter, type AxiosRequestConfig } from 'axios';
import type { OriginAllowlist } from '../authorizer/origin-allowlist.js';
import { httpOrigin } from '../authorizer/origin-allowlist.js';
import type { ClientCertificateAgent } from '../endpoint/client-certificate-agent.js';

/** The follow-redirects options a `beforeRedirect` hook receives (the parts read here). */
type RedirectOptions = { href?: string; agent?: unknown; agents?: { http?: unknown; https?: unknown } };

/**
 * An axios adapter that sends through `adapter` with the client certificate for allowed origins
 * (RFC 8705 §3: a certificate-bound token is only accepted over a connection that presents the
 * certificate it is bound to). The agent is chosen as the request leaves, after every interceptor:
 * a request to an allowed origin goes through the certificate's agent (the current one, so a
 * rollover applies to the next request), any other keeps the agent it had, and a redirect to an
 * origin outside the allowlist goes on with the agent the request had before (none: Node's global
 * agent), without the certificate, for the rest of its hops.
 * @internal
 */
export function presentClientCertificate(
  adapter: AxiosRequestConfig['adapter'],
  allowlist: OriginAllowlist,
  certificate: ClientCertificateAgent,
): AxiosAdapter {
  const spec = adapter ?? axios.defaults.adapter;
  return async (config) => {
    const send = typeof spec === 'function' ? spec : axios.getAdapter(spec, config);
    if (!allowlist.allows(allowlist.originOf(config))) return send(config);
    const agent = await certificate.current(config.signal as AbortSignal | undefined);
    const callerBeforeRedirect = config.beforeRedirect;
    const callerAgent: unknown = config.httpsAgent;
    config.httpsAgent = agent;
    config.beforeRedirect = (options, ...rest) => {
      const redirect = options as RedirectOptions;
      const target = typeof redirect.href === 'string' ? httpOrigin(redirect.href) : undefined;
      if (!allowlist.allows(target) && redirect.agents?.https === agent) {
        // follow-redirects takes the next hop's agent from `agents`.
        redirect.agents = { ...redirect.agents, https: callerAgent };
        redirect.agent = undefined;
      }
      callerBeforeRedirect?.(options, ...rest);
    };
    return send(config);
  };
}
