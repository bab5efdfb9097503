/**
 * A one-line progress bar on stderr when it is a terminal; silent otherwise,
 * so piped output and --json stay clean.
 */
export class ProgressBar {
  private readonly enabled: boolean;
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    stream: NodeJS.WriteStream = process.stderr,
    private readonly out = stream,
  ) {
    this.enabled = Boolean(stream.isTTY) && !process.env.CI;
  }

  update(done: number, total: number, detail = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 80 && done < total) return;
    this.lastDraw = now;
    const width = 28;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const pct = (frac * 100).toFixed(0).padStart(3);
    const cols = this.out.columns ?? 100;
    const line = `${this.label} [${bar}] ${pct}% ${detail}`.slice(0, cols - 1);
    this.out.write(`\r${line}\x1b[K`);
  }

  done(): void {
    if (this.enabled) this.out.write('\r\x1b[K');
  }
}
