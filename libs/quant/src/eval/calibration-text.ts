// A built-in calibration text: plain English-like prose generated from a fixed
// word list by a seeded generator, so every run and every machine scores the
// same tokens without downloading a corpus. It is not meant to be meaningful,
// only varied (common words, punctuation, numbers, capitals) and repeatable.

const WORDS = (
  'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were ' +
  'her she there been one all we their has would when if so no will can more about said up out them some what time into ' +
  'only other new could these two may first then do any like my now over such our man me even most made after also did ' +
  'many before must through back years where much your way well down should because each just those people how too little ' +
  'state good very make world still own see men work long get here between both life being under never day same another ' +
  'know while last might us great old year off come since against go came right used take three small model weights layer ' +
  'token river stone music garden window letter market winter summer morning evening story number water light paper field ' +
  'city house table school family friend question answer problem system program language engine memory signal circuit'
).split(' ');

/** A deterministic 32-bit generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** About `words` words of prose; the same arguments always give the same text. */
export function calibrationText(words = 4000, seed = 1): string {
  const next = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
  const sentences: string[] = [];
  let count = 0;
  while (count < words) {
    const len = 6 + Math.floor(next() * 14);
    const parts: string[] = [];
    for (let i = 0; i < len; i++) {
      let w = next() < 0.04 ? String(Math.floor(next() * 2000)) : pick(WORDS);
      if (i === 0) w = w[0].toUpperCase() + w.slice(1);
      if (i > 2 && i < len - 1 && next() < 0.08) w += ',';
      parts.push(w);
    }
    sentences.push(parts.join(' ') + pick(['.', '.', '.', '?', '!']));
    count += len;
  }
  const paragraphs: string[] = [];
  for (let i = 0; i < sentences.length; i += 5) paragraphs.push(sentences.slice(i, i + 5).join(' '));
  return paragraphs.join('\n\n') + '\n';
}
