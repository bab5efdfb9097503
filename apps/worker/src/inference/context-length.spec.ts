import { ErrorCode } from '@tessera/contracts';
import { checkContextLength } from './context-length';
import { RequestError } from './request-error';

function refusal(fn: () => void): RequestError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RequestError);
    return err as RequestError;
  }
  throw new Error('expected a context_length_exceeded refusal');
}

describe('checkContextLength', () => {
  it('accepts a prompt and max_tokens that fill the context exactly', () => {
    expect(() => checkContextLength(1000, 24, 1024, 'prompt')).not.toThrow();
    expect(() => checkContextLength(1023, 0, 1024, 'prompt')).not.toThrow();
  });

  it('refuses a prompt that leaves no room for a token', () => {
    const err = refusal(() => checkContextLength(1024, 0, 1024, 'messages'));
    expect(err).toMatchObject({ code: ErrorCode.ContextLengthExceeded, param: 'messages' });
    expect(err.message).toMatch(/maximum context length is 1024 tokens, but the prompt has 1024/);
  });

  it('refuses an explicit max_tokens beyond what the context leaves, saying how much fits', () => {
    const err = refusal(() => checkContextLength(1000, 25, 1024, 'prompt'));
    expect(err).toMatchObject({ code: ErrorCode.ContextLengthExceeded, param: 'prompt' });
    expect(err.message).toMatch(/1025 were requested \(1000 in the prompt, 25 for the completion\)/);
    expect(err.message).toMatch(/at most 24/);
  });
});
