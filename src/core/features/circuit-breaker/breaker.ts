import type { OutcomeError } from "../../outcome.js";
import type { CircuitBreakerOptions, CircuitSnapshot, CircuitState } from "./options.js";

const SLOTS = 10;

/**
 * One tool's circuit, or one upstream's. Attempts are reported as they end; the scheduler asks {@link CircuitBreaker.check}
 * before an attempt starts. The failure-rate window is kept in ten time slots, so memory stays
 * fixed however many calls pass.
 */
export class CircuitBreaker {
  readonly #failures: number;
  readonly #rate: number;
  readonly #windowMs: number;
  readonly #minCalls: number;
  readonly #cooldownMs: number;
  readonly #onChange: (snapshot: CircuitSnapshot) => void;
  #state: CircuitState = "closed";
  #consecutive = 0;
  #reason: string | undefined = undefined;
  #until = 0;
  /** The attempt probing a half-open circuit (an opaque token), if one runs. */
  #probe: object | undefined = undefined;
  readonly #slotStart = new Array<number>(SLOTS).fill(-Infinity);
  readonly #slotTotal = new Array<number>(SLOTS).fill(0);
  readonly #slotFailed = new Array<number>(SLOTS).fill(0);

  constructor(options: CircuitBreakerOptions, onChange: (snapshot: CircuitSnapshot) => void) {
    this.#failures = options.failures ?? 5;
    this.#rate = options.failureRate ?? Number.POSITIVE_INFINITY;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#minCalls = options.minCalls ?? 10;
    this.#cooldownMs = options.cooldownMs ?? 30_000;
    this.#onChange = onChange;
  }

  get state(): CircuitState {
    return this.#state;
  }

  /** True while a half-open probe runs: other calls wait in the queue for its verdict. */
  get probing(): boolean {
    return this.#probe !== undefined;
  }

  snapshot(): CircuitSnapshot {
    const base = { state: this.#state, consecutiveFailures: this.#consecutive };
    if (this.#state === "closed") return base;
    return this.#state === "open"
      ? { ...base, reason: this.#reason, until: this.#until }
      : { ...base, reason: this.#reason };
  }

  /**
   * Whether a call may proceed at `now`: `undefined` when it may, else the rejection message,
   * which names `subject` (`tool "search"`, `upstream "mcp:github"`). With `probe`, the call is about to start an attempt, and becomes the probe of a circuit
   * whose cool-down is over.
   */
  check(now: number, subject: string, probe?: object): string | undefined {
    if (this.#state === "closed") return undefined;
    if (this.#state === "open") {
      if (now < this.#until) return this.#openMessage(subject, now);
      if (probe === undefined) return undefined; // admitted; the start decides
      this.#set("half-open");
    }
    if (probe === undefined || this.#probe === undefined) {
      if (probe !== undefined) this.#probe = probe;
      return undefined;
    }
    return `Circuit half-open for ${subject}: a probe call is deciding whether it closes`;
  }

  /** An attempt ended: `failed` for `tool_error`, `timeout` or `crashed`. */
  record(token: object, failed: boolean, now: number): void {
    if (this.#state === "half-open") {
      if (token !== this.#probe) return;
      this.#probe = undefined;
      if (failed) this.#open(now, `the half-open probe failed`);
      else this.#close();
      return;
    }
    if (this.#state === "open") return; // an attempt that started before it opened
    this.#consecutive = failed ? this.#consecutive + 1 : 0;
    const slot = this.#slot(now);
    this.#slotTotal[slot]!++;
    if (failed) this.#slotFailed[slot]!++;
    if (!failed) return;
    if (this.#consecutive >= this.#failures) {
      this.#open(now, `${this.#consecutive} consecutive failures`);
      return;
    }
    if (this.#rate !== Number.POSITIVE_INFINITY) {
      let total = 0;
      let bad = 0;
      const from = now - this.#windowMs;
      for (let i = 0; i < SLOTS; i++) {
        if (this.#slotStart[i]! > from) {
          total += this.#slotTotal[i]!;
          bad += this.#slotFailed[i]!;
        }
      }
      if (total >= this.#minCalls && bad / total >= this.#rate) {
        this.#open(
          now,
          `${bad} of ${total} attempts failed in the last ${this.#windowMs} ms (failureRate ${this.#rate})`,
        );
      }
    }
  }

  /** An attempt was abandoned (deadline, cancel): no verdict; a probe frees its place. */
  abandon(token: object): void {
    if (token === this.#probe) this.#probe = undefined;
  }

  #slot(now: number): number {
    const width = this.#windowMs / SLOTS;
    const start = Math.floor(now / width) * width;
    const slot = Math.floor(now / width) % SLOTS;
    if (this.#slotStart[slot] !== start) {
      this.#slotStart[slot] = start;
      this.#slotTotal[slot] = 0;
      this.#slotFailed[slot] = 0;
    }
    return slot;
  }

  #open(now: number, reason: string): void {
    this.#reason = reason;
    this.#until = now + this.#cooldownMs;
    this.#slotStart.fill(-Infinity);
    this.#set("open");
  }

  #close(): void {
    this.#consecutive = 0;
    this.#reason = undefined;
    this.#until = 0;
    this.#set("closed");
  }

  #set(state: CircuitState): void {
    this.#state = state;
    this.#onChange(this.snapshot());
  }

  #openMessage(subject: string, now: number): string {
    return `Circuit open for ${subject} after ${this.#reason}: calls are rejected until ${new Date(this.#until).toISOString()} (${Math.ceil(this.#until - now)} ms from now)`;
  }
}

/** The outcome error of a call refused by an open circuit. */
export function circuitError(message: string): OutcomeError {
  return { kind: "rejected", message, data: { name: "RejectedError", circuit: true } };
}
