import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { StoredToken, TokenModuleOptions, TokenStore } from '../lib/index.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

/** A custom store that takes every call and answers none (a hung connection, a deadlocked backend). */
class UnansweringStore implements TokenStore {
  calls = 0;
  /** Resolves at the first call. */
  readonly called: Promise<void>;
  #onCall!: () => void;

  constructor(private readonly closes = false) {
    this.called = new Promise<void>((resolve) => (this.#onCall = resolve));
  }

  private never<T>(): Promise<T> {
    this.calls += 1;
    this.#onCall();
    return new Promise<T>(() => undefined);
  }
  get = (): Promise<StoredToken | undefined> => this.never();
  set = (): Promise<void> => this.never();
  deleteIfEqual = (): Promise<boolean> => this.never();
  acquireLease = (): Promise<boolean> => this.never();
  releaseLease = (): Promise<boolean> => this.never();
  close = (): Promise<void> => (this.closes ? Promise.resolve() : this.never());
}

describe('a token store that never answers', () => {
  let idp: TestIdp;
  let app: TokenApp | undefined;
  const start = async (options: Partial<TokenModuleOptions>) => {
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, clientId: 'test-client', clientSecret: 'test-secret-value-1234', ...options });
    return app;
  };

  beforeAll(async () => {
    idp = await TestIdp.start();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    idp.tokenRequests = 0;
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('callers get a token from the IdP once the store’s deadline has passed, one request for all of them, and shutdown does not wait on the store', async () => {
    const store = new UnansweringStore();
    const { manager } = await start({ store, requestTimeoutMs: 1_000 });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => manager.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toMatch(/^eyJ/);
    expect(idp.tokenRequests).toBe(1);
    expect(store.calls).toBeGreaterThan(0);
    // close() never answers either: the module's shutdown still completes.
    await app!.close();
    app = undefined;
  });

  it('app.close() settles every caller still waiting on the store, with an AbortError, long before any deadline', async () => {
    const store = new UnansweringStore(true);
    const { manager } = await start({ store, requestTimeoutMs: 600_000, storeWaitMs: 600_000 });
    const waiting = Promise.allSettled(Array.from({ length: 10 }, () => manager.getAccessToken()));
    await store.called;
    await app!.close();
    app = undefined;
    const results = await waiting;
    expect(results.map((result) => (result.status === 'rejected' ? (result.reason as Error).name : result.status))).toEqual(
      Array.from({ length: 10 }, () => 'AbortError'),
    );
    expect(idp.tokenRequests).toBe(0);
  });
});
