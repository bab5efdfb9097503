// A plain BPE trainer over pre-split words. Each word is a sequence of initial
// symbols with a count; the most frequent adjacent pair is merged repeatedly.
// Ties break on the pair's text (left, then right, by code unit) so training
// is deterministic. A pair whose concatenation already exists as a token is
// never merged: every recorded merge creates a new token.
//
// When the corpus has no pairs left and more merges are wanted, "extension"
// merges are made by a fixed rule (see extendMerges) so that any vocabulary
// size can be reached while the result stays a valid BPE.

export interface TrainerInput {
  /** Initial symbol sequences (e.g. byte-level characters) and their counts. */
  readonly words: ReadonlyArray<{ symbols: string[]; count: number }>;
  /** Tokens that exist before training, in id order. */
  readonly baseTokens: readonly string[];
  /** Merges wanted in total. */
  readonly numMerges: number;
  /** Right-hand parts for extension merges, most useful first. */
  readonly extensionParts: readonly string[];
  /** Which existing tokens extension merges may extend. */
  readonly canExtend: (token: string) => boolean;
}

export interface TrainerOutput {
  /** Merges as [left, right] in rank order. */
  readonly merges: [string, string][];
  /** Base tokens then one new token per merge, in id order. */
  readonly tokens: string[];
  /** How many merges came from the corpus (the rest are extensions). */
  readonly corpusMerges: number;
}

const SHIFT = 2 ** 21; // symbol ids stay far below this

class MaxHeap {
  private readonly items: [number, number][] = [];
  constructor(private readonly before: (a: [number, number], b: [number, number]) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  push(x: [number, number]): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): [number, number] | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l], a[m])) m = l;
        if (r < a.length && this.before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

export function trainBpe(input: TrainerInput): TrainerOutput {
  const tokens = [...input.baseTokens];
  const ids = new Map<string, number>(tokens.map((t, i) => [t, i]));
  const idOf = (s: string): number => {
    let id = ids.get(s);
    if (id === undefined) throw new Error(`trainBpe: symbol '${s}' is not a base token`);
    return id;
  };
  const words = input.words.map((w) => ({ syms: w.symbols.map(idOf), count: w.count }));
  const counts = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const addPairs = (wi: number, sign: number) => {
    const { syms, count } = words[wi];
    for (let i = 0; i + 1 < syms.length; i++) {
      const key = syms[i] * SHIFT + syms[i + 1];
      counts.set(key, (counts.get(key) ?? 0) + sign * count);
      if (sign > 0) {
        let s = where.get(key);
        if (!s) where.set(key, (s = new Set()));
        s.add(wi);
      }
    }
  };
  const before = (a: [number, number], b: [number, number]): boolean => {
    if (a[0] !== b[0]) return a[0] > b[0];
    const la = tokens[Math.floor(a[1] / SHIFT)];
    const lb = tokens[Math.floor(b[1] / SHIFT)];
    if (la !== lb) return la < lb;
    return tokens[a[1] % SHIFT] < tokens[b[1] % SHIFT];
  };
  const heap = new MaxHeap(before);
  words.forEach((_, wi) => addPairs(wi, 1));
  for (const [key, c] of counts) heap.push([c, key]);

  const merges: [string, string][] = [];
  const banned = new Set<number>();
  while (merges.length < input.numMerges) {
    const top = heap.pop();
    if (!top) break;
    const [c, key] = top;
    const current = counts.get(key) ?? 0;
    if (current !== c || banned.has(key)) {
      // Stale: counts only shrink without a push, so re-queue the true count.
      if (current > 0 && current < c && !banned.has(key)) heap.push([current, key]);
      continue;
    }
    const left = Math.floor(key / SHIFT);
    const right = key % SHIFT;
    const text = tokens[left] + tokens[right];
    if (ids.has(text)) {
      banned.add(key);
      continue;
    }
    const id = tokens.length;
    tokens.push(text);
    ids.set(text, id);
    merges.push([tokens[left], tokens[right]]);
    // Counts before this merge of every pair it touches; only pairs whose
    // count grew are pushed (shrunk ones are fixed lazily when popped).
    const prior = new Map<number, number>();
    for (const wi of where.get(key) ?? []) {
      const w = words[wi];
      for (let i = 0; i + 1 < w.syms.length; i++) {
        const k = w.syms[i] * SHIFT + w.syms[i + 1];
        if (!prior.has(k)) prior.set(k, counts.get(k) ?? 0);
      }
      addPairs(wi, -1);
      const next: number[] = [];
      for (let i = 0; i < w.syms.length; i++) {
        if (i + 1 < w.syms.length && w.syms[i] === left && w.syms[i + 1] === right) {
          next.push(id);
          i++;
        } else next.push(w.syms[i]);
      }
      w.syms = next;
      addPairs(wi, 1);
      for (let i = 0; i + 1 < next.length; i++) {
        const k = next[i] * SHIFT + next[i + 1];
        if (!prior.has(k)) prior.set(k, 0);
      }
    }
    where.delete(key);
    counts.delete(key);
    for (const [k, before] of prior) {
      const kc = counts.get(k) ?? 0;
      if (kc > before) heap.push([kc, k]);
    }
  }
  const corpusMerges = merges.length;
  extendMerges(tokens, ids, merges, input);
  return { merges, tokens, corpusMerges };
}

/**
 * The documented rule for merges beyond what the corpus supports: visit
 * tokens breadth-first, starting with the existing extendable tokens in id
 * order; for each visited token t and each extension part p in order, if t+p
 * is not yet a token, record the merge (t, p) and queue t+p. Both parts
 * always exist and every result is new, so the vocabulary stays a valid BPE.
 */
function extendMerges(tokens: string[], ids: Map<string, number>, merges: [string, string][], input: TrainerInput): void {
  if (merges.length >= input.numMerges) return;
  const queue = tokens.filter((t) => input.canExtend(t));
  for (let q = 0; q < queue.length && merges.length < input.numMerges; q++) {
    const t = queue[q];
    for (const p of input.extensionParts) {
      if (merges.length >= input.numMerges) break;
      const text = t + p;
      if (ids.has(text)) continue;
      ids.set(text, tokens.length);
      tokens.push(text);
      merges.push([t, p]);
      queue.push(text);
    }
  }
  if (merges.length < input.numMerges) {
    throw new Error(`trainBpe: cannot reach ${input.numMerges} merges (no extendable tokens)`);
  }
}
