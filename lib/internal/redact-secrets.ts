/** `text` with every occurrence of each of `secrets` replaced by `[redacted]`. @internal */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return secrets.reduce((redacted, secret) => redacted.split(secret).join('[redacted]'), text);
}
