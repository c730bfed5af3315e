/** DI token of the resolved `TokenClientsModule` options. @internal */
export const TOKEN_CLIENTS_OPTIONS = Symbol('TOKEN:CLIENTS_OPTIONS');
