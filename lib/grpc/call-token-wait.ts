import type { Deadline } from '@grpc/grpc-js';

/** Longer delays overflow `setTimeout` (it would fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The abort signal of a call's waits for a token: aborted when the caller cancels the call or when
 * its deadline passes. The deadline timer runs only while a wait does and never keeps the process alive.
 */
export class CallTokenWait {
  #aborter: AbortController | undefined;
  #deadlineTimer: NodeJS.Timeout | undefined;
  #cancelled = false;

  constructor(private readonly deadline: Deadline | undefined) {}

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** The signal for the wait that starts now; call `settled` when it ends. */
  signal(): AbortSignal {
    if (this.#aborter === undefined) {
      const aborter = new AbortController();
      this.#aborter = aborter;
      const remaining = this.remainingMs();
      if (remaining !== undefined && remaining < MAX_TIMER_MS) {
        this.#deadlineTimer = setTimeout(() => aborter.abort(), Math.max(0, remaining));
        this.#deadlineTimer.unref();
      }
    }
    return this.#aborter.signal;
  }

  settled(): void {
    clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    this.#aborter = undefined;
  }

  /** The caller cancelled the call: a wait in progress ends now. */
  cancel(): void {
    this.#cancelled = true;
    this.#aborter?.abort();
  }

  deadlinePassed(): boolean {
    const remaining = this.remainingMs();
    return remaining !== undefined && remaining <= 0;
  }

  private remainingMs(): number | undefined {
    if (this.deadline === undefined) return undefined;
    const at = this.deadline instanceof Date ? this.deadline.getTime() : this.deadline;
    return Number.isFinite(at) ? at - Date.now() : undefined;
  }
}
