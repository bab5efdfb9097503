import { TokenAttr, type Vocab } from './vocab';

/** A stretch of prompt text still to be tokenized, or a special token found in it. */
export type Fragment = { text: string } | { id: number };

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * Special tokens that may be recognized inside prompt text: control,
 * user-defined and unknown tokens, longest first (by UTF-8 length, ties by
 * id) so that a longer token wins over a shorter one it contains.
 */
export function specialTokenOrder(vocab: Vocab): number[] {
  const ids: number[] = [];
  for (let id = 0; id < vocab.size; id++) {
    if (vocab.has(id, TokenAttr.Control | TokenAttr.UserDefined | TokenAttr.Unknown)) ids.push(id);
  }
  const len = new Map(ids.map((id) => [id, utf8Length(vocab.texts[id])]));
  return ids.sort((a, b) => len.get(b)! - len.get(a)! || a - b);
}

/**
 * Cuts text at every occurrence of a special token. Without parseSpecial,
 * only user-defined tokens are cut out (they always are, as in the reference);
 * control and unknown tokens then stay ordinary text.
 */
export function splitOnSpecialTokens(text: string, vocab: Vocab, order: readonly number[], parseSpecial: boolean): Fragment[] {
  let fragments: Fragment[] = text === '' ? [] : [{ text }];
  for (const id of order) {
    if (!parseSpecial && vocab.has(id, TokenAttr.Control | TokenAttr.Unknown)) continue;
    const needle = vocab.texts[id];
    if (!fragments.some((f) => 'text' in f && f.text.includes(needle))) continue;
    const next: Fragment[] = [];
    for (const f of fragments) {
      if (!('text' in f)) {
        next.push(f);
        continue;
      }
      let from = 0;
      for (let at = f.text.indexOf(needle); at >= 0; at = f.text.indexOf(needle, from)) {
        if (at > from) next.push({ text: f.text.slice(from, at) });
        next.push({ id });
        from = at + needle.length;
      }
      if (from < f.text.length) next.push({ text: f.text.slice(from) });
    }
    fragments = next;
  }
  return fragments;
}
