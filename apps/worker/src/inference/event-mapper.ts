import type { TokenEvent } from '@tessera/engine';
import type { Tokenizer } from '@tessera/tokenizer';
import type { FinishedMessage, TokenMessage } from './inference-messages';

/** Engine token events in the proto's shape; token texts come from the tokenizer. */
export class EventMapper {
  constructor(private readonly tokenizer: Tokenizer) {}

  token(e: TokenEvent): TokenMessage {
    const id = e.tokenId as number;
    return {
      index: e.index,
      tokenId: id,
      text: e.text,
      logprob: e.logprob ?? 0,
      top: (e.top ?? []).map(([tokenId, logprob]) => ({ tokenId, text: this.pieceText(tokenId), logprob })),
      tokenText: this.pieceText(id),
    };
  }

  finished(e: TokenEvent): FinishedMessage {
    const m = e.metrics;
    return {
      index: e.index,
      finishReason: e.finishReason ?? 'error',
      completionTokens: m?.numOutputTokens ?? 0,
      text: e.text,
      queueTimeMs: m?.queueTimeMs ?? 0,
      timeToFirstTokenMs: m?.timeToFirstTokenMs ?? 0,
      timePerOutputTokenMs: m?.timePerOutputTokenMs ?? 0,
      e2eLatencyMs: m?.e2eLatencyMs ?? 0,
      error: e.error ?? '',
      cachedTokens: m?.numCachedTokens ?? 0,
    };
  }

  /** One token decoded alone (a piece of a multi-byte character shows as U+FFFD). */
  private pieceText(id: number): string {
    return this.tokenizer.decode([id]);
  }
}
