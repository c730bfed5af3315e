/**
 * Key and channel names of one store: `<prefix>{<fingerprint>}:<kind>`. The braces are a Redis Cluster
 * hash tag, so every key of one client lives in one hash slot and a script over several stays cluster-safe.
 * @internal
 */
export class RedisKeyNames {
  constructor(private readonly prefix: string) {}

  token(key: string): string {
    return `${this.prefix}{${key}}:token`;
  }

  lease(key: string): string {
    return `${this.prefix}{${key}}:lease`;
  }

  sharedSecret(key: string): string {
    return `${this.prefix}{${key}}:shared-secret`;
  }

  /** Published on after a token is stored or the lease released: wakes the instances waiting (`watchToken`). */
  changes(key: string): string {
    return `${this.prefix}{${key}}:changes`;
  }
}
