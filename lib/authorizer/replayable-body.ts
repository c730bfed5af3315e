/**
 * Whether a request body can be sent a second time unchanged. Streams and async iterables are read
 * once by the first attempt; anything this function does not recognise counts as not replayable, so
 * a 401 retry never sends an empty or truncated body.
 * @internal
 */
export function isReplayableBody(data: unknown): boolean {
  if (data === undefined || data === null) return true;
  if (typeof data === 'string' || typeof data === 'number' || typeof data === 'boolean') return true;
  if (typeof data !== 'object') return false;
  if (Buffer.isBuffer(data) || ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return true;
  if (data instanceof URLSearchParams) return true;
  // Blobs (and the Files a FormData holds) are immutable and re-readable; so is a FormData of them.
  if (typeof Blob !== 'undefined' && data instanceof Blob) return true;
  if (typeof FormData !== 'undefined' && data instanceof FormData) return true;
  if (isStreamLike(data)) return false;
  return Array.isArray(data) || isPlainObject(data);
}

/** Node streams (`pipe`), WHATWG streams (`getReader`) and async iterables, including `form-data`'s stream. */
function isStreamLike(data: object): boolean {
  const candidate = data as { pipe?: unknown; getReader?: unknown; [Symbol.asyncIterator]?: unknown };
  return (
    typeof candidate.pipe === 'function' ||
    typeof candidate.getReader === 'function' ||
    typeof candidate[Symbol.asyncIterator] === 'function'
  );
}

function isPlainObject(data: object): boolean {
  const prototype = Object.getPrototypeOf(data) as unknown;
  return prototype === Object.prototype || prototype === null;
}
