// A clock the tests control, shared by the fake console (token `iat`/`exp`, expiry checks) and the client
// (early refresh, back-off). `sleep` advances the clock instead of waiting, so back-off costs no wall time.
import type { Clock } from '../../src/index';

export class FakeClock implements Clock {
  #now: number;
  /** Every delay the client asked to sleep, in order. */
  readonly sleeps: number[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      // Yield to the event loop once, so that a sleep is a real turn, then move time forward.
      setImmediate(() => {
        if (signal?.aborted) return reject(signal.reason);
        this.#now += ms;
        resolve();
      });
    });
  }
}
