/** `Name: message` of an error for a log line, or the thrown value as a string when it is not an Error. @internal */
export function errorSummary(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
