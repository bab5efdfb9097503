import { FinishedEvent, TokenEvent } from '../../workers/inference-messages';
import { OutputEvent } from '../generation';

export interface ChoiceState {
  index: number;
  text: string;
  tokens: TokenEvent[];
  /** Character offset in `text` where each token's delta starts (completions' text_offset). */
  offsets: number[];
  finishReason: string | null;
}

/** What one output event adds to a choice: the text delta and the tokens it covers. */
export interface ChoiceDelta {
  choice: ChoiceState;
  text: string;
  tokens: TokenEvent[];
  offsets: number[];
  finished?: FinishedEvent;
}

/**
 * Folds output events into per-choice text, tokens and finish reason. When a
 * completion finishes, text the worker reports beyond what was streamed (held
 * back while a stop string was possible) is added as a last delta.
 */
export class ChoiceAccumulator {
  readonly choices: ChoiceState[];

  constructor(n: number) {
    this.choices = Array.from({ length: n }, (_, index) => ({ index, text: '', tokens: [], offsets: [], finishReason: null }));
  }

  add(event: OutputEvent): ChoiceDelta | undefined {
    if (event.event === 'token') {
      const choice = this.choices[event.token.index];
      if (!choice) return undefined;
      const offset = choice.text.length;
      choice.text += event.token.text;
      choice.tokens.push(event.token);
      choice.offsets.push(offset);
      return { choice, text: event.token.text, tokens: [event.token], offsets: [offset] };
    }
    const finished = event.finished;
    const choice = this.choices[finished.index];
    if (!choice) return undefined;
    let rest = '';
    if (finished.text.length > choice.text.length && finished.text.startsWith(choice.text)) {
      rest = finished.text.slice(choice.text.length);
      choice.text = finished.text;
    }
    choice.finishReason = finished.finishReason;
    return { choice, text: rest, tokens: [], offsets: [], finished };
  }
}
