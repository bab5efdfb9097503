/**
 * Finds stop strings in streamed text. Text that could still turn into a stop
 * string is held back, so a client never sees part of a stop sequence.
 */
export class StopChecker {
  private held = '';
  private readonly holdBack: number;

  constructor(private readonly stops: readonly string[]) {
    this.holdBack = Math.max(0, ...stops.map((s) => s.length - 1));
  }

  /** Adds new text; returns what is safe to emit and whether a stop string ended it. */
  push(text: string): { text: string; stopped: boolean } {
    this.held += text;
    let cut = -1;
    for (const s of this.stops) {
      const i = this.held.indexOf(s);
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    if (cut >= 0) {
      const out = this.held.slice(0, cut);
      this.held = '';
      return { text: out, stopped: true };
    }
    let safe = this.held.length - this.partialStopSuffix();
    // Never split a surrogate pair between two emitted pieces.
    const last = this.held.charCodeAt(safe - 1);
    if (safe > 0 && last >= 0xd800 && last <= 0xdbff) safe--;
    const out = this.held.slice(0, safe);
    this.held = this.held.slice(safe);
    return { text: out, stopped: false };
  }

  /** Length of the longest end of the held text that a stop string starts with. */
  private partialStopSuffix(): number {
    for (let n = Math.min(this.holdBack, this.held.length); n > 0; n--) {
      const tail = this.held.slice(this.held.length - n);
      if (this.stops.some((s) => s.startsWith(tail))) return n;
    }
    return 0;
  }

  /** Everything still held back (the stream ended without a stop string). */
  flush(): string {
    const out = this.held;
    this.held = '';
    return out;
  }
}
