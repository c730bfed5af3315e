import { z } from 'zod';
import { parseDecimal } from '../internal/parse-decimal.js';
import type { TokenEnvironmentKind } from './token-environment.variables.js';

/**
 * Parsers from environment text to option values, one zod schema per kind. Every issue carries our
 * own message: zod's defaults may quote the received value, and a variable may hold a secret.
 * Only APIs common to zod 3.25 and 4 are used (`transform`, `addIssue`, `NEVER`).
 * @internal
 */
export const TOKEN_ENVIRONMENT_SCHEMAS: Readonly<Record<TokenEnvironmentKind, z.ZodType<unknown>>> = {
  string: z.string(),
  number: z.string().transform((text, context) => {
    const number = parseDecimal(text);
    if (number === undefined) {
      context.addIssue({ code: 'custom', message: 'must be a number (digits, optionally a decimal point)' });
      return z.NEVER;
    }
    return number;
  }),
  boolean: z.string().transform((text, context) => {
    const value = BOOLEAN_WORDS[text.trim().toLowerCase()];
    if (value === undefined) {
      context.addIssue({ code: 'custom', message: 'must be true/false, yes/no, on/off or 1/0' });
      return z.NEVER;
    }
    return value;
  }),
  // Commas or whitespace separate items, so `a b`, `a,b` and `a, b` all mean the same two items.
  list: z.string().transform((text) => text.split(/[\s,]+/).filter((item) => item !== '')),
  form: z.string().transform((text, context) => {
    const params: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(text)) {
      if (name === '') context.addIssue({ code: 'custom', message: 'has a parameter without a name (expected name=value&name2=value2)' });
      else if (name in params) context.addIssue({ code: 'custom', message: `sets "${name}" twice` });
      else params[name] = value;
    }
    return params;
  }),
  // A JWK parses here; a PEM stays text for the option's own key parser, which reports what is wrong with it.
  key: z.string().transform((text, context) => {
    const trimmed = text.trim();
    if (!trimmed.startsWith('{'))
      return trimmed.includes('-----BEGIN') && !trimmed.includes('\n') ? trimmed.replace(/\\n/g, '\n') : trimmed;
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'must be a PEM private key or a private JWK as JSON (the JSON does not parse)' });
      return z.NEVER;
    }
  }),
};

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = {
  true: true,
  yes: true,
  on: true,
  '1': true,
  false: false,
  no: false,
  off: false,
  '0': false,
};
