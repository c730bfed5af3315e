import type { Cluster, Redis } from 'ioredis';
import type { TokenStoreWatch } from '../core/token-store.interface.js';
import { callAsPromise } from '../internal/call-as-promise.js';

type Listener = (change: 'stored' | 'active') => void;

/**
 * The pub/sub side of the Redis token store: one subscriber connection (a `duplicate()` of the
 * command client, opened at the first watch and closed with the store) subscribed to the channel of
 * every watched key. The store publishes on that channel after it stores a token or releases a lease,
 * so waiting instances stop waiting at once. Channels are re-subscribed on every (re)connection; until
 * the server acknowledges, the watch is inactive and the waiter polls. A server that refuses pub/sub
 * (an ACL without channel rights) leaves every watch inactive: polling alone, as without notifications.
 * @internal
 */
export class RedisTokenNotifications {
  readonly #listeners = new Map<string, Set<Listener>>();
  /** Channels the server acknowledged on the current connection. */
  readonly #activeChannels = new Set<string>();
  #subscriber: Redis | Cluster | undefined;
  #closed = false;

  /**
   * @param client the store's command client, duplicated for the subscription.
   * @param onError where connection and subscription errors go (a rate-limited warning).
   */
  constructor(
    private readonly client: Redis | Cluster,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Calls `listener` for every message on `channel` and each time the subscription becomes active. */
  watch(channel: string, listener: Listener): TokenStoreWatch {
    let listeners = this.#listeners.get(channel);
    const newChannel = listeners === undefined;
    if (listeners === undefined) this.#listeners.set(channel, (listeners = new Set()));
    listeners.add(listener);
    const subscriber = this.subscriber();
    // A channel added while connected is subscribed now; it turns active when the server acknowledges.
    if (newChannel && subscriber !== undefined && subscriber.status === 'ready') this.subscribe(subscriber, [channel]);
    const activeChannels = this.#activeChannels;
    return {
      get active() {
        return activeChannels.has(channel);
      },
      stop: () => listeners.delete(listener),
    };
  }

  close(): Promise<void> {
    return callAsPromise(() => {
      this.#closed = true;
      this.#activeChannels.clear();
      const subscriber = this.#subscriber;
      this.#subscriber = undefined;
      subscriber?.disconnect();
    });
  }

  /** The subscriber connection, opened on first use; undefined once closed or when it cannot be made. */
  private subscriber(): Redis | Cluster | undefined {
    if (this.#closed) return undefined;
    if (this.#subscriber !== undefined) return this.#subscriber;
    let subscriber: Redis | Cluster;
    try {
      subscriber = (this.client as Redis).duplicate();
    } catch (error) {
      this.onError(error as Error);
      this.#closed = true;
      return undefined;
    }
    this.#subscriber = subscriber;
    subscriber.on('error', this.onError);
    subscriber.on('ready', () => this.subscribe(subscriber, [...this.#listeners.keys()]));
    subscriber.on('close', () => this.#activeChannels.clear());
    subscriber.on('message', (channel: string) => this.emit(channel, 'stored'));
    // A client given with `lazyConnect` duplicates into one that waits for a first command.
    if (subscriber.status === 'wait') subscriber.connect().catch(() => undefined);
    return subscriber;
  }

  private subscribe(subscriber: Redis | Cluster, channels: string[]): void {
    if (channels.length === 0) return;
    subscriber.subscribe(...channels).then(
      () => {
        if (this.#closed || subscriber !== this.#subscriber) return;
        for (const channel of channels) {
          this.#activeChannels.add(channel);
          this.emit(channel, 'active');
        }
      },
      (error: Error) => this.onError(error),
    );
  }

  private emit(channel: string, change: 'stored' | 'active'): void {
    for (const listener of this.#listeners.get(channel) ?? []) listener(change);
  }
}
