import type { DecodeOptions, Tokenizer } from './tokenizer';

/**
 * Turns a stream of generated ids into text deltas. A UTF-8 character whose
 * bytes are spread over several tokens is held back until its last byte
 * arrives, so no delta ever ends in a broken character; the deltas joined
 * equal `tokenizer.decode(ids)` of all ids pushed.
 */
export class IncrementalDetokenizer {
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private readonly renderSpecial: boolean;
  private emittedAny = false;

  constructor(
    private readonly tokenizer: Tokenizer,
    options: DecodeOptions = {},
  ) {
    this.renderSpecial = !(options.skipSpecial ?? false);
  }

  /** Adds one id; returns the text that is now complete (possibly ""). */
  push(id: number): string {
    const bytes = this.tokenizer.pieceBytes(id, this.renderSpecial, !this.emittedAny);
    if (bytes.length === 0) return '';
    this.emittedAny = true;
    return this.decoder.decode(bytes, { stream: true });
  }

  /** Ends the stream: bytes of an unfinished character come out as U+FFFD. */
  flush(): string {
    return this.decoder.decode();
  }
}
