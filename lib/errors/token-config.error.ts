import { TokenError } from './token.error.js';

/** One invalid option: the field path and why it is invalid (never the value of a secret). */
export interface TokenConfigProblem {
  /** Option path, e.g. `tokenUrl` or `http.allowedOrigins[1]` (or an environment variable name). */
  readonly field: string;
  /** What is wrong with it. */
  readonly message: string;
}

/**
 * The module options are invalid. Thrown at application startup, listing every problem by field name.
 */
export class TokenConfigError extends TokenError {
  /** Every problem found, in field order. */
  readonly problems: readonly TokenConfigProblem[];

  constructor(problems: readonly TokenConfigProblem[], subject = 'TokenModule options') {
    super(
      `Invalid ${subject} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  - ${problem.field}: ${problem.message}`).join('\n'),
    );
    this.problems = problems;
  }
}
