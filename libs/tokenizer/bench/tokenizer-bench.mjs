// Tokenizer benchmark: build time of a 49152-token byte-level BPE vocabulary
// (the size of SmolLM's) and encode/decode throughput on mixed text.
// Usage: node tools/build.mjs && node libs/tokenizer/bench/tokenizer-bench.mjs [out.json]
// (the JSON goes to the system temp folder when no path is given)
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { Tokenizer, IncrementalDetokenizer } = require('../dist/index.js');
const { byteLevelVocab } = require('../dist/test-vocabs.js');
const { toByteLevel } = require('../dist/byte-level.js');

/** Deterministic pseudo-random numbers, so every run builds the same vocabulary. */
function rng(seed) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

const WORDS = 'the of and to in is was for that with on as by at from his an were are which this be or has had not first one their its new after but who they have her she two been other when there all during into school time may years more most only over city some world would where later up such used many can state about national out known university united then made'.split(' ');

/** Merges that spell frequent words (with and without a leading space), then random pairs up to the target size. */
function syntheticMerges(target) {
  const merges = [];
  const tokens = new Set();
  const add = (a, b) => {
    const joined = a + b;
    if (tokens.has(joined)) return;
    tokens.add(joined);
    merges.push(`${a} ${b}`);
  };
  for (const w of WORDS) {
    for (const form of [w, ' ' + w]) {
      const chars = Array.from(toByteLevel(form));
      let acc = chars[0];
      for (const ch of chars.slice(1)) {
        add(acc, ch);
        acc += ch;
      }
    }
  }
  const pool = [...'abcdefghijklmnopqrstuvwxyzĠ'];
  const next = rng(7);
  while (merges.length < target - 256) {
    const a = pool[Math.floor(next() * pool.length)];
    const b = pool[Math.floor(next() * pool.length)];
    const before = merges.length;
    add(a, b);
    if (merges.length > before && a.length + b.length < 8) pool.push(a + b);
  }
  return merges;
}

const merges = syntheticMerges(49152);
const meta = byteLevelVocab({ pre: 'llama-bpe', merges });
const text = (
  'The city was known for its university, founded in 1891; 12345 students study there. ' +
  'Ünïcödé text, 日本語の文章, emoji 😀 and   runs of   spaces\n\n\tand tabs. '
).repeat(2000);

const rows = [];
const time = (name, fn, bytes) => {
  const t0 = performance.now();
  const result = fn();
  const ms = performance.now() - t0;
  rows.push({ step: name, ms: Number(ms.toFixed(1)), mbPerS: bytes ? Number((bytes / 1e6 / (ms / 1000)).toFixed(2)) : undefined });
  return result;
};

const tok = time('build 49152-token tokenizer', () => Tokenizer.fromMetadata(meta));
const bytes = Buffer.byteLength(text);
const ids = time('encode (cold word cache)', () => tok.encode(text), bytes);
time('encode (warm word cache)', () => tok.encode(text), bytes);
time('decode', () => tok.decode(ids), bytes);
time('incremental detokenize', () => {
  const d = new IncrementalDetokenizer(tok);
  let out = '';
  for (const id of ids) out += d.push(id);
  return out + d.flush();
}, bytes);

console.table(rows);
console.log(`vocab ${tok.vocabSize}, text ${bytes} bytes → ${ids.length} tokens`);
const outPath = process.argv[2] ?? join(tmpdir(), 'tessera-tokenizer-bench.json');
writeFileSync(outPath, JSON.stringify({ vocab: tok.vocabSize, bytes, tokens: ids.length, rows }, null, 2));
console.log(`wrote ${outPath}`);
