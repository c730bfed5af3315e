import type { LoggerService } from '@nestjs/common';
import { inspect } from 'node:util';

/** A Nest logger that keeps every line of every level, rendered as a log sink would render it. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];

  private capture(level: string, message: unknown, params: unknown[]): void {
    this.lines.push(
      `${level} ${[message, ...params].map((part) => (typeof part === 'string' ? part : inspect(part, { depth: 10 }))).join(' ')}`,
    );
  }

  log(message: unknown, ...params: unknown[]): void {
    this.capture('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.capture('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.capture('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.capture('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.capture('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.capture('fatal', message, params);
  }
}

/** Everything an error can show: message, stack, `util.inspect`, JSON, and the same for its cause chain. */
export function renderErrorDeeply(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof Error || (typeof current === 'object' && 'message' in current)) {
      const { message, stack } = current as Error;
      parts.push(String(message), String(stack));
    }
    parts.push(inspect(current, { depth: 10, showHidden: true }), safeJson(current));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, Object.getOwnPropertyNames(value ?? {})) ?? '';
  } catch {
    return '';
  }
}
