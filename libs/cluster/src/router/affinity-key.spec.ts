import { chatAffinityKey, textAffinityKey } from './affinity-key';

describe('affinity keys', () => {
  it('cuts text prompts at maxChars', () => {
    expect(textAffinityKey('abcdef', 3)).toBe('abc');
    expect(textAffinityKey('ab', 3)).toBe('ab');
    expect(textAffinityKey([1, 2, 30], 100)).toBe('1,2,30');
  });

  it('gives chats sharing their first characters the same key', () => {
    const system = { role: 'system', content: 'x'.repeat(300) };
    const a = chatAffinityKey([system, { role: 'user', content: 'first question' }]);
    const b = chatAffinityKey([system, { role: 'user', content: 'another question' }]);
    expect(a).toBe(b);
    expect(a.length).toBe(256);
  });

  it('separates role from content so different splits differ', () => {
    expect(chatAffinityKey([{ role: 'user', content: 'ab' }])).not.toBe(chatAffinityKey([{ role: 'usera', content: 'b' }]));
    expect(chatAffinityKey([{ role: 'user', content: 'hi' }])).not.toBe(chatAffinityKey([{ role: 'system', content: 'hi' }]));
  });
});
