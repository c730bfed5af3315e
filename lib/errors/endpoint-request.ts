import { urlForDisplay } from '../internal/url-for-display.js';

/** An endpoint of the authorization server other than the token endpoint. */
export type AuthorizationServerEndpoint = 'revocation' | 'introspection' | 'session exchange' | 'discovery';

/**
 * The request an error is about: the endpoint, the HTTP method and the URL. Errors keep only the
 * URL's origin and path, never its query string or userinfo, which may carry credentials.
 */
export interface EndpointRequest {
  /** Which endpoint, when it was not the token endpoint. */
  readonly endpoint?: AuthorizationServerEndpoint | undefined;
  /** `POST`, or `GET` for discovery. */
  readonly method?: string | undefined;
  /** Origin and path of the URL the request went to. */
  readonly url?: string | undefined;
}

/** The request's fields as an error stores them: the URL cut to origin and path, absent fields left out. @internal */
export function endpointRequestFields(request: EndpointRequest): EndpointRequest {
  return {
    ...(request.endpoint !== undefined ? { endpoint: request.endpoint } : {}),
    ...(request.method !== undefined ? { method: request.method } : {}),
    ...(request.url !== undefined ? { url: urlForDisplay(request.url) } : {}),
  };
}

/** `POST https://idp.example.com/oauth2/token`: the method and the URL's origin and path, or undefined when neither is known. @internal */
export function requestTarget(request: EndpointRequest): string | undefined {
  const parts = [request.method, request.url !== undefined ? urlForDisplay(request.url) : undefined].filter((part) => part !== undefined);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** `Token endpoint POST https://idp.example.com/oauth2/token`, or the endpoint's label alone when the request is unknown. @internal */
export function describeEndpointRequest(request: EndpointRequest): string {
  const label = request.endpoint ? `${request.endpoint[0].toUpperCase()}${request.endpoint.slice(1)} endpoint` : 'Token endpoint';
  const target = requestTarget(request);
  return target === undefined ? label : `${label} ${target}`;
}
