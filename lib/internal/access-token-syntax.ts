/** RFC 6749 Appendix A.12 `1*VSCHAR`, without space at either end (header values are trimmed, so such a token could not be sent as issued). */
const ACCESS_TOKEN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * Whether `token` is an access token an `Authorization` header can carry as it was issued: checked on
 * tokens from the token endpoint and on tokens read from a fleet's store alike.
 * @internal
 */
export function isSendableAccessToken(token: string): boolean {
  return ACCESS_TOKEN.test(token);
}
