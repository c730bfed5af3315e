import type { Attributes } from '@opentelemetry/api';
import type { TracedExchange } from '../core/token-tracer.interface.js';
import { TOKEN_METRIC_ATTRIBUTES } from './token-metrics.constants.js';

/**
 * The attributes naming one cached token (metrics, token-request spans): its entry id and, when it has one, its resource's origin. A bounded
 * set (at most `maxCachedTokens + 1` entries at a time), never a raw parameter (see `TokenEntryLabel`).
 * @internal
 */
export function entryAttributes({ id, resourceOrigin }: NonNullable<TracedExchange['entry']>): Attributes {
  return resourceOrigin === undefined
    ? { [TOKEN_METRIC_ATTRIBUTES.entry]: id }
    : { [TOKEN_METRIC_ATTRIBUTES.entry]: id, [TOKEN_METRIC_ATTRIBUTES.resourceOrigin]: resourceOrigin };
}
