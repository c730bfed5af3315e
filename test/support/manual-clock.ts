/** A clock the test moves by hand, injected through the `clock` option. */
export class ManualClock {
  constructor(public nowMs = Date.UTC(2026, 0, 1)) {}
  readonly now = (): number => this.nowMs;
  advanceSeconds(seconds: number): void {
    this.nowMs += seconds * 1000;
  }
  advanceMs(ms: number): void {
    this.nowMs += ms;
  }
}
