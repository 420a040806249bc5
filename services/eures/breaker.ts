/** The state of a circuit breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  /** Consecutive failures that open the circuit. */
  readonly failures: number;
  /** How long it stays open the first time; each reopening without a success doubles it. */
  readonly cooldownMs: number;
  /** The longest cooldown. */
  readonly maxCooldownMs: number;
}

/**
 * A circuit breaker: closed, it lets requests through and counts consecutive failures; at the threshold it opens
 * and lets nothing through for the cooldown; then it lets one request through (half-open): a success closes it,
 * a failure opens it again for twice as long. Pure: the caller gives the time.
 */
export class CircuitBreaker {
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #cooldown: number;
  #probing = false;

  constructor(private readonly settings: BreakerSettings) {
    this.#cooldown = settings.cooldownMs;
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** Milliseconds until a request may go (0: now). A half-open breaker lets one probe through at a time. */
  waitMs(now: number): number {
    if (this.#state === 'closed') return 0;
    if (this.#state === 'open') {
      const left = this.#openedAt + this.#cooldown - now;
      if (left > 0) return left;
      this.#state = 'half-open';
    }
    if (this.#probing) return Math.min(this.#cooldown, 100);
    this.#probing = true;
    return 0;
  }

  success(): void {
    this.#state = 'closed';
    this.#failures = 0;
    this.#probing = false;
    this.#cooldown = this.settings.cooldownMs;
  }

  failure(now: number): void {
    this.#failures++;
    if (this.#state === 'half-open') {
      this.#probing = false;
      this.#cooldown = Math.min(this.#cooldown * 2, this.settings.maxCooldownMs);
      this.#open(now);
    } else if (this.#state === 'closed' && this.#failures >= this.settings.failures) this.#open(now);
  }

  #open(now: number): void {
    this.#state = 'open';
    this.#openedAt = now;
  }
}
