import type { TokenRequestParameters } from '../options/token-request-parameters.interface.js';

/** One step of a spelling: after it, a value is absent, a string, or a count (list items, extra parameters). */
interface SpellingNode<T> {
  absent?: SpellingNode<T>;
  byString?: Map<string, SpellingNode<T>>;
  byCount?: Map<number, SpellingNode<T>>;
  value?: T;
}

/**
 * Parameters exactly as a call spelled them (no normalising, no checks) mapped to what they resolved to:
 * the per-call lookup. A trie over the raw values, field by field in a fixed order, each field
 * self-delimiting (absent, a string, or a count followed by that many strings), so two spellings share a
 * path only when they are equal. Walking it builds no string and hashes only strings the call already
 * holds (literals have their hash cached), which keeps a cached per-call token within a small factor of
 * the plain cached path. Anything but strings, string lists and own string properties is not remembered.
 * @internal
 */
export class ParameterSpellings<T> {
  #root: SpellingNode<T> = {};
  #size = 0;

  constructor(private readonly maxSize: number) {}

  get(request: TokenRequestParameters): T | undefined {
    return this.walk(request, false)?.value;
  }

  /** Remembers `value` for this spelling; past `maxSize` spellings, everything is forgotten first. */
  set(request: TokenRequestParameters, value: T): void {
    if (this.#size >= this.maxSize) this.clear();
    const node = this.walk(request, true);
    if (node === undefined) return;
    if (node.value === undefined) this.#size += 1;
    node.value = value;
  }

  /** Forgets every spelling (after an eviction: they are found again through the checked path). */
  clear(): void {
    this.#root = {};
    this.#size = 0;
  }

  private walk(request: TokenRequestParameters, create: boolean): SpellingNode<T> | undefined {
    const { scope, audience, resource, extraParams } = request;
    let node: SpellingNode<T> | undefined = this.list(this.#root, scope, create);
    if (node !== undefined) node = audience === undefined || typeof audience === 'string' ? this.string(node, audience, create) : undefined;
    if (node !== undefined) node = this.list(node, resource, create);
    if (node === undefined) return undefined;
    if (extraParams === undefined) return this.absent(node, create);
    if (typeof extraParams !== 'object' || extraParams === null || Array.isArray(extraParams)) return undefined;
    const names = Object.keys(extraParams);
    node = this.count(node, names.length, create);
    for (let index = 0; index < names.length && node !== undefined; index += 1) {
      const name = names[index];
      const value: unknown = extraParams[name];
      node = typeof value === 'string' ? this.string(this.string(node, name, create), value, create) : undefined;
    }
    return node;
  }

  private list(node: SpellingNode<T>, value: unknown, create: boolean): SpellingNode<T> | undefined {
    if (value === undefined || typeof value === 'string') return this.string(node, value, create);
    if (!Array.isArray(value)) return undefined;
    let next = this.count(node, value.length, create);
    for (let index = 0; index < value.length && next !== undefined; index += 1) {
      const item: unknown = value[index];
      next = typeof item === 'string' ? this.string(next, item, create) : undefined;
    }
    return next;
  }

  private string(node: SpellingNode<T> | undefined, value: string | undefined, create: boolean): SpellingNode<T> | undefined {
    if (node === undefined) return undefined;
    if (value === undefined) return this.absent(node, create);
    let next = node.byString?.get(value);
    if (next === undefined && create) (node.byString ??= new Map()).set(value, (next = {}));
    return next;
  }

  private count(node: SpellingNode<T>, count: number, create: boolean): SpellingNode<T> | undefined {
    let next = node.byCount?.get(count);
    if (next === undefined && create) (node.byCount ??= new Map()).set(count, (next = {}));
    return next;
  }

  private absent(node: SpellingNode<T>, create: boolean): SpellingNode<T> | undefined {
    if (node.absent === undefined && create) node.absent = {};
    return node.absent;
  }
}
