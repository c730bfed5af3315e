import type { IssuedToken } from '../../lib/core/issued-token.interface.js';
import type { TokenEndpointClient } from '../../lib/endpoint/token-endpoint.client.js';
import { TokenEndpointError, TokenResponseError, TokenTimeoutError } from '../../lib/index.js';
import type { TokenParameterSet } from '../../lib/options/token-request-parameters.interface.js';
import type { ManualClock } from './manual-clock.js';

/** What the scripted token endpoint does with one request; it settles after `delayMs` of real time. */
export type ScriptedOutcome =
  | { readonly kind: 'token'; readonly lifetimeSeconds: number; readonly delayMs: number }
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterSeconds?: number; readonly delayMs: number }
  | { readonly kind: 'malformed'; readonly delayMs: number }
  /** No answer: the request times out, as `requestTimeoutMs` would end it. */
  | { readonly kind: 'hang'; readonly delayMs: number };

/**
 * A stand-in for the token endpoint client (a collaborator of the manager, not the thing under test) for
 * the property suite: each request pops the next scripted outcome (a healthy token when none is left),
 * and the fake counts requests in flight, the most ever in flight at once, and requests cancelled.
 */
export class ScriptedTokenEndpoint {
  readonly outcomes: ScriptedOutcome[] = [];
  requests = 0;
  inFlight = 0;
  maxInFlight = 0;
  cancelled = 0;
  /** Expiry instant of every token handed out, by the injected clock, counted from when its request was sent. */
  readonly expiresAtMs = new Map<string, number>();
  /** The token parameters each token was requested with. */
  readonly parametersOf = new Map<string, TokenParameterSet | undefined>();
  /** Called when a token is answered, before the manager sees it. */
  onIssued: (token: string, expiresAtMs: number) => void = () => undefined;

  constructor(
    private readonly clock: ManualClock,
    private readonly whenUnscripted: ScriptedOutcome = { kind: 'token', lifetimeSeconds: 3600, delayMs: 0 },
  ) {}

  /** This fake where the manager's constructor expects a `TokenEndpointClient`. */
  asClient(): TokenEndpointClient {
    return this as unknown as TokenEndpointClient;
  }

  requestToken(signal?: AbortSignal, parameters?: TokenParameterSet): Promise<IssuedToken> {
    const number = ++this.requests;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const outcome = this.outcomes.shift() ?? this.whenUnscripted;
    const sentAtMs = this.clock.nowMs;
    return new Promise<IssuedToken>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        this.inFlight -= 1;
        this.cancelled += 1;
        reject(new DOMException('The operation was aborted', 'AbortError'));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        this.inFlight -= 1;
        try {
          resolve(this.answer(outcome, number, sentAtMs, parameters));
        } catch (error) {
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the scripted outcome's own throw, unchanged
          reject(error);
        }
      }, outcome.delayMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private answer(outcome: ScriptedOutcome, number: number, sentAtMs: number, parameters?: TokenParameterSet): IssuedToken {
    switch (outcome.kind) {
      case 'token': {
        const accessToken = `token-${number}`;
        this.parametersOf.set(accessToken, parameters);
        this.expiresAtMs.set(accessToken, sentAtMs + outcome.lifetimeSeconds * 1000);
        this.onIssued(accessToken, sentAtMs + outcome.lifetimeSeconds * 1000);
        return { accessToken, tokenType: 'Bearer', expiresInSeconds: outcome.lifetimeSeconds, expiresInDefaulted: false };
      }
      case 'status':
        throw new TokenEndpointError({ status: outcome.status, error: 'scripted', retryAfterSeconds: outcome.retryAfterSeconds });
      case 'malformed':
        throw new TokenResponseError(200, 'body is not a JSON object');
      case 'hang':
        throw new TokenTimeoutError(outcome.delayMs);
    }
  }
}
