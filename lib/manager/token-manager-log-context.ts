/** The logger context of a client's token manager and its collaborators: `TokenManager` or `TokenManager:<name>`. @internal */
export function tokenManagerLogContext(name: string | undefined): string {
  return name === undefined ? 'TokenManager' : `TokenManager:${name}`;
}
