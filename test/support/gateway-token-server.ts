import type { ManualClock } from './manual-clock.js';
import { basicAuthorization, json, ProgrammableServer, type RecordedRequest } from './programmable-server.js';

export const GATEWAY_CLIENT = { clientId: 'gateway-client', clientSecret: 'gateway-secret-4711' };
/** The only `Authorization` header the gateway accepts. */
const GATEWAY_AUTHORIZATION = basicAuthorization(GATEWAY_CLIENT);

/**
 * A token server that behaves like WSO2 API Manager's key manager: every client-credentials request
 * gets the same token until it expires or is revoked, with `expires_in` counting down; `/revoke`
 * (RFC 7009) ends it, `/introspect` (RFC 7662) reports it. Time comes from the test's ManualClock, the
 * same one the token manager uses. Counters prove how many calls each scenario costs.
 */
export class GatewayTokenServer {
  tokenRequests = 0;
  revokeRequests = 0;
  introspectionRequests = 0;
  /** Tokens named in revocation requests, in order. */
  readonly revokedTokens: string[] = [];
  /** Milliseconds to hold each token request, so concurrent callers overlap. */
  delayMs = 0;
  /** Answer revocation requests with this status instead of revoking (e.g. 503). */
  revocationStatus = 200;
  /** Answer this many coming token requests with 503. */
  failingTokenRequests = 0;
  /** Acknowledge revocations without revoking (a gateway that keeps handing out the token). */
  ignoreRevocations = false;
  /** Issue a new token at every token request, which revokes the one issued before (only the latest works). */
  revokePreviousOnIssue = false;
  #current: { value: string; issuedAtMs: number } | undefined;
  #issued = 0;

  private constructor(
    private readonly server: ProgrammableServer,
    private readonly clock: ManualClock,
    readonly lifetimeSeconds: number,
  ) {}

  static async start(clock: ManualClock, lifetimeSeconds = 3600): Promise<GatewayTokenServer> {
    const handler: { gateway?: GatewayTokenServer } = {};
    const server = await ProgrammableServer.start((request, response) => handler.gateway!.handle(request, response));
    handler.gateway = new GatewayTokenServer(server, clock, lifetimeSeconds);
    return handler.gateway;
  }

  get tokenUrl(): string {
    return `${this.server.url}/token`;
  }
  get revocationUrl(): string {
    return `${this.server.url}/revoke`;
  }
  get introspectionUrl(): string {
    return `${this.server.url}/introspect`;
  }

  /** The token the gateway currently hands out, if any. */
  get currentToken(): string | undefined {
    return this.active()?.value;
  }

  /** Issues a token as if another instance had asked `secondsAgo` seconds ago. */
  issueEarlier(secondsAgo: number): string {
    this.#current = { value: `gw-token-${++this.#issued}`, issuedAtMs: this.clock.now() - secondsAgo * 1000 };
    return this.#current.value;
  }

  /** Another instance revoked the shared token. */
  revokeFromElsewhere(): void {
    this.#current = undefined;
  }

  resetCounters(): void {
    this.tokenRequests = 0;
    this.revokeRequests = 0;
    this.introspectionRequests = 0;
    this.revokedTokens.length = 0;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private active(): { value: string; issuedAtMs: number } | undefined {
    const current = this.#current;
    if (current === undefined || this.clock.now() >= current.issuedAtMs + this.lifetimeSeconds * 1000) return undefined;
    return current;
  }

  private async handle(request: RecordedRequest, response: Parameters<typeof json>[0]): Promise<void> {
    if (request.headers.authorization !== GATEWAY_AUTHORIZATION) return json(response, 401, { error: 'invalid_client' });
    const form = new URLSearchParams(request.body);
    if (request.url === '/token') {
      this.tokenRequests += 1;
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      if (this.failingTokenRequests > 0) {
        this.failingTokenRequests -= 1;
        return json(response, 503, { error: 'temporarily_unavailable' });
      }
      if (this.active() === undefined || this.revokePreviousOnIssue) this.issueEarlier(0);
      const current = this.active()!;
      const expiresIn = Math.ceil((current.issuedAtMs + this.lifetimeSeconds * 1000 - this.clock.now()) / 1000);
      return json(response, 200, { access_token: current.value, token_type: 'Bearer', expires_in: expiresIn, scope: 'default' });
    }
    if (request.url === '/revoke') {
      this.revokeRequests += 1;
      this.revokedTokens.push(form.get('token') ?? '');
      if (this.revocationStatus !== 200) return json(response, this.revocationStatus, { error: 'temporarily_unavailable' });
      if (!this.ignoreRevocations && form.get('token') === this.#current?.value) this.#current = undefined;
      response.writeHead(200).end();
      return;
    }
    if (request.url === '/introspect') {
      this.introspectionRequests += 1;
      return json(response, 200, { active: form.get('token') === this.active()?.value });
    }
    json(response, 404, { error: 'not_found' });
  }
}
