// The libraries compared by bench/peers.mjs, each set up the way its README shows, behind one shape:
//   getToken()  the library's own way to get the (cached) access token;
//   request()   one authorized GET of `${apiUrl}/items` through the library's natural HTTP client,
//               resolving with the status (axios rejects on a 401: that counts as a failed request);
//   close()     releases its sockets and timers.
import { HttpService } from '@nestjs/axios';
import { NestFactory } from '@nestjs/core';
import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client';
import axios from 'axios';
import { clientCredentials } from 'axios-oauth-client';
import tokenProvider from 'axios-token-interceptor';
import { Agent } from 'node:http';
import { firstValueFrom } from 'rxjs';
import simpleOauth2 from 'simple-oauth2';
import { TokenManagerService, TokenModule } from '../dist/esm/index.js';

const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = 'bench-secret';
/** The refresh margin the hand-written simple-oauth2 check uses: the same 300 s as our default. */
const EXPIRY_WINDOW_SECONDS = 300;

/** A keep-alive agent per axios client, so no two clients share sockets. */
const keepAliveAgent = () => new Agent({ keepAlive: true });

/** An axios client on its own keep-alive agent. */
function axiosClient(apiUrl, config = {}) {
  const agent = keepAliveAgent();
  return { api: axios.create({ baseURL: apiUrl, httpAgent: agent, ...config }), agent };
}

/** fetch's answer as a status, with the body read so the connection goes back to the pool. */
async function fetchStatus(response) {
  await response.arrayBuffer();
  return response.status;
}

/** This package: TokenManagerService, and the module's HttpService through firstValueFrom (as users call it). */
async function ours({ tokenUrl, apiUrl }) {
  const agent = keepAliveAgent();
  const app = await NestFactory.createApplicationContext(
    TokenModule.forRoot({ tokenUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, http: { baseURL: apiUrl, httpAgent: agent } }),
    { logger: false },
  );
  const manager = app.get(TokenManagerService);
  const http = app.get(HttpService);
  return {
    getToken: () => manager.getAccessToken(),
    request: async () => (await firstValueFrom(http.get('/items'))).status,
    close: async () => (await app.close(), agent.destroy()),
  };
}

/** axios-token-interceptor's tokenCache over axios-oauth-client's clientCredentials, max age from expires_in. */
async function axiosTokenInterceptor({ tokenUrl, apiUrl }) {
  // Token requests on their own instance: the interceptor must not run on them.
  const fetchToken = clientCredentials(axios.create(), tokenUrl, CLIENT_ID, CLIENT_SECRET);
  const cache = tokenProvider.tokenCache(() => fetchToken(), { getMaxAge: (body) => body.expires_in * 1000 });
  const { api, agent } = axiosClient(apiUrl);
  api.interceptors.request.use(tokenProvider({ getToken: cache, headerFormatter: (body) => `Bearer ${body.access_token}` }));
  return {
    getToken: async () => (await cache()).access_token,
    request: async () => (await api.get('/items')).status,
    close: async () => agent.destroy(),
  };
}

/** @badgateway/oauth2-client: OAuth2Fetch with clientCredentials() as getNewToken; requests by OAuth2Fetch.fetch. */
async function badgatewayOauth2Fetch({ tokenOrigin, apiUrl }) {
  const client = new OAuth2Client({
    server: tokenOrigin,
    tokenEndpoint: '/token',
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    authenticationMethod: 'client_secret_basic',
  });
  const oauth2Fetch = new OAuth2Fetch({ client, getNewToken: () => client.clientCredentials() });
  return {
    getToken: () => oauth2Fetch.getAccessToken(),
    request: async () => fetchStatus(await oauth2Fetch.fetch(`${apiUrl}/items`)),
    close: async () => {},
  };
}

/** simple-oauth2's ClientCredentials.getToken, cached in a variable behind a hand-written expired(300) check. */
async function simpleOauth2WithExpiredCheck({ tokenOrigin, apiUrl }) {
  const client = new simpleOauth2.ClientCredentials({
    client: { id: CLIENT_ID, secret: CLIENT_SECRET },
    auth: { tokenHost: tokenOrigin, tokenPath: '/token' },
  });
  let accessToken;
  const getToken = async () => {
    if (accessToken === undefined || accessToken.expired(EXPIRY_WINDOW_SECONDS)) accessToken = await client.getToken({});
    return accessToken.token.access_token;
  };
  const { api, agent } = axiosClient(apiUrl);
  return {
    getToken,
    request: async () => (await api.get('/items', { headers: { Authorization: `Bearer ${await getToken()}` } })).status,
    close: async () => agent.destroy(),
  };
}

/** The libraries, in table order; `transport` names the baseline their throughput is compared with. */
export const LIBRARIES = [
  { name: 'nestjs-client-credentials', transport: 'axios', handles401: 'renews once, resends once', create: ours },
  { name: 'axios-token-interceptor + axios-oauth-client', transport: 'axios', handles401: 'no', create: axiosTokenInterceptor },
  {
    name: '@badgateway/oauth2-client (OAuth2Fetch)',
    transport: 'fetch',
    handles401: 'refreshes, resends once',
    create: badgatewayOauth2Fetch,
  },
  { name: 'simple-oauth2 + expired(300) check', transport: 'axios', handles401: 'no', create: simpleOauth2WithExpiredCheck },
];

/**
 * The transports without any token logic: a static `Authorization` header on plain axios and on
 * plain fetch, with a token the resource server accepts.
 */
export function baselines(apiUrl, token) {
  const { api, agent } = axiosClient(apiUrl, { headers: { Authorization: `Bearer ${token}` } });
  return {
    axios: { request: async () => (await api.get('/items')).status, close: async () => agent.destroy() },
    fetch: {
      request: async () => fetchStatus(await fetch(`${apiUrl}/items`, { headers: { Authorization: `Bearer ${token}` } })),
      close: async () => {},
    },
  };
}
