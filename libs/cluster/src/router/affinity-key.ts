/**
 * The part of a prompt that decides prefix affinity. Requests that share their
 * first `maxChars` characters (the system prompt, the first turns) are likely to
 * share KV-cache blocks on the replica that served them before.
 */
export interface AffinityMessage {
  role: string;
  content: string;
}

export const DEFAULT_AFFINITY_CHARS = 256;

/** Affinity key of a plain-text prompt, or of token ids (joined as text). */
export function textAffinityKey(prompt: string | readonly number[], maxChars = DEFAULT_AFFINITY_CHARS): string {
  const text = typeof prompt === 'string' ? prompt : prompt.join(',');
  return text.slice(0, maxChars);
}

/** Affinity key of a chat: roles and contents in order, cut at `maxChars`. */
export function chatAffinityKey(messages: readonly AffinityMessage[], maxChars = DEFAULT_AFFINITY_CHARS): string {
  let key = '';
  for (const message of messages) {
    key += `${message.role}\u0001${message.content}\u0002`;
    if (key.length >= maxChars) break;
  }
  return key.slice(0, maxChars);
}
