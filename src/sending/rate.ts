// A shared pacing gate: at most `perSecond` messages a second across every lane of the sender (0 = no limit).
export class RateLimiter {
  private next = 0;
  private readonly interval: number;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.interval = perSecond > 0 ? 1000 / perSecond : 0;
  }

  /** Resolves when the caller may send one message. */
  async take(): Promise<void> {
    if (this.interval === 0) return;
    const t = this.now();
    const slot = Math.max(t, this.next);
    this.next = slot + this.interval;
    const wait = slot - t;
    if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
  }
}
