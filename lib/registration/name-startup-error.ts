/**
 * The error of a named registration's startup step, its message (and the first line of its stack, which
 * is what Nest and Node print) prefixed with `TokenModule "<name>": `, so an app with several clients
 * says which one failed. The same error object, so its class and fields stay as they were.
 * @internal
 */
export function nameStartupError(error: unknown, name: string | undefined): unknown {
  if (name === undefined || !(error instanceof Error)) return error;
  const prefix = `${registrationLabel(name)}: `;
  if (error.message.startsWith(prefix)) return error;
  const heading = `${error.name}: ${error.message}`;
  error.message = prefix + error.message;
  if (error.stack?.startsWith(heading)) error.stack = `${error.name}: ${error.message}${error.stack.slice(heading.length)}`;
  return error;
}

/** Runs one startup step of a registration; its error names the registration. @internal */
export async function namingFailures<T>(name: string | undefined, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw nameStartupError(error, name);
  }
}

/** `TokenModule "shipping"`, or `TokenModule` for the unnamed registration. @internal */
export function registrationLabel(name: string | undefined): string {
  return name === undefined ? 'TokenModule' : `TokenModule "${name}"`;
}
