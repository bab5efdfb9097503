// Mutation fuzzing of the header parser. Whatever the bytes, parseGGUF must
// either return a consistent GGUFFile or throw a GGUFError: never another
// error, never hang, never allocate more than the input could justify.
// Seeded, so a failure names the seed and case that reproduce it.

import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGGUF } from './build-gguf';
import { GGUFError } from './errors';
import { padTo, tensorNBytes } from './layout';
import { GGUFFile } from './parse-header';
import { parseGGUF, readGGUF } from './reader';
import { RawGGUF, tinyGGUF } from './test-fixtures';

const GOLDEN = join(__dirname, '../../../../shared/golden/micro/micro-Q4_K_M.gguf');
const SEED = 0x5eed_6607;

/** mulberry32: tiny, fast, good enough to drive mutations reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);

const BIG_U64 = [0n, 1n, 63n, 64n, 2n ** 30n, 2n ** 30n + 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 62n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
const BIG_U32 = [0, 1, 2, 4, 5, 9, 12, 13, 30, 31, 39, 43, 64, 0x7fffffff, 0x80000000, 0xffffffff];

/** One random structural damage; each returns a new buffer. */
const MUTATORS: ((b: Buffer, r: Rand) => Buffer)[] = [
  function flipBits(b, r) {
    const out = Buffer.from(b);
    for (let k = 1 + int(r, 4); k > 0 && out.length > 0; k--) out[int(r, out.length)] ^= 1 << int(r, 8);
    return out;
  },
  function setBytes(b, r) {
    const out = Buffer.from(b);
    const value = [0x00, 0xff, int(r, 256)][int(r, 3)];
    for (let k = 1 + int(r, 3); k > 0 && out.length > 0; k--) out[int(r, out.length)] = value;
    return out;
  },
  function truncate(b, r) {
    return b.subarray(0, int(r, b.length));
  },
  function insertBytes(b, r) {
    const at = int(r, b.length + 1);
    const extra = Buffer.alloc(1 + int(r, 16), int(r, 256));
    return Buffer.concat([b.subarray(0, at), extra, b.subarray(at)]);
  },
  function deleteBytes(b, r) {
    const at = int(r, b.length);
    return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(r, 16))]);
  },
  function hugeU64(b, r) {
    const out = Buffer.from(b);
    if (out.length >= 8) out.writeBigUInt64LE(BIG_U64[int(r, BIG_U64.length)], int(r, out.length - 7));
    return out;
  },
  function oddU32(b, r) {
    const out = Buffer.from(b);
    if (out.length >= 4) out.writeUInt32LE(BIG_U32[int(r, BIG_U32.length)], int(r, out.length - 3));
    return out;
  },
  function copyChunk(b, r) {
    const out = Buffer.from(b);
    const from = int(r, b.length);
    b.copy(out, int(r, b.length), from, from + 1 + int(r, 32));
    return out;
  },
];

function mutate(b: Buffer, r: Rand): Buffer {
  let out = b;
  for (let k = 1 + int(r, 3); k > 0; k--) out = MUTATORS[int(r, MUTATORS.length)](out, r);
  return out;
}

/** Invariants every accepted file must satisfy. Returns a description of the first violation. */
function violation(f: GGUFFile): string | undefined {
  let expected = 0;
  for (const t of f.tensors) {
    if (t.offset !== expected) return `${t.name}: offset ${t.offset} ≠ ${expected}`;
    if (t.nBytes !== tensorNBytes(t.type, t.dims)) return `${t.name}: nBytes ${t.nBytes} inconsistent`;
    if (t.absoluteOffset + t.nBytes > f.fileSize) return `${t.name}: beyond the file`;
    expected += padTo(t.nBytes, f.alignment);
  }
  if (f.tensors.length > 0 && f.dataOffset % f.alignment !== 0) return 'unaligned data section';
  if (f.dataSize !== expected) return 'dataSize mismatch';
  return undefined;
}

interface Outcome {
  accepted: number;
  rejected: Map<string, number>;
  slowestMs: number;
}

/** Parses `cases` mutants of `seed`; fails with a reproducible description on any wrong behaviour. */
function fuzz(name: string, seed: Buffer, cases: number, rngSeed: number, fileSize?: (m: Buffer) => number): Outcome {
  const r = prng(rngSeed);
  const out: Outcome = { accepted: 0, rejected: new Map(), slowestMs: 0 };
  for (let i = 0; i < cases; i++) {
    const m = mutate(seed, r);
    const size = fileSize ? Math.max(fileSize(m), m.length) : m.length;
    const started = performance.now();
    try {
      const f = parseGGUF(m, { fileSize: size });
      const bad = violation(f);
      if (bad) throw new Error(`${name} seed ${rngSeed} case ${i}: accepted an inconsistent file: ${bad}`);
      out.accepted++;
    } catch (err) {
      if (!(err instanceof GGUFError)) {
        throw new Error(`${name} seed ${rngSeed} case ${i}: ${(err as Error)?.stack ?? String(err)}`);
      }
      if (!Number.isInteger(err.offset) || err.offset < 0 || err.offset > size) {
        throw new Error(`${name} seed ${rngSeed} case ${i}: ${err.code} at impossible offset ${err.offset}`);
      }
      out.rejected.set(err.code, (out.rejected.get(err.code) ?? 0) + 1);
    }
    out.slowestMs = Math.max(out.slowestMs, performance.now() - started);
  }
  return out;
}

describe('parseGGUF under mutation', () => {
  const heapBefore = process.memoryUsage().heapUsed;

  it('tiny files with every value type: only GGUFError or a consistent file', () => {
    const o1 = fuzz('tiny', tinyGGUF(), 3000, SEED);
    const o2 = fuzz('tiny64', tinyGGUF(64), 1000, SEED + 1);
    const empty = new RawGGUF().header(0, 1).kvU32('general.alignment', 32).build();
    const o3 = fuzz('no-tensors', empty, 500, SEED + 2);
    for (const o of [o1, o2, o3]) expect(o.slowestMs).toBeLessThan(1000);
    // The mutations must reach deep checks, not only the magic: many distinct codes show up.
    const codes = new Set([...o1.rejected.keys(), ...o2.rejected.keys()]);
    for (const code of ['EBADMAGIC', 'ETRUNCATED', 'EBADCOUNT', 'EBADTYPE', 'EBADUTF8', 'EBADOFFSET', 'EBADTENSORTYPE', 'EBADDIMS']) {
      expect([code, codes.has(code)]).toEqual([code, true]);
    }
    expect(o1.accepted).toBeGreaterThan(0);
  });

  it('the header region of a golden file, judged against its full size', () => {
    const whole = readFileSync(GOLDEN);
    const head = whole.subarray(0, parseGGUF(whole).dataOffset);
    const o = fuzz('golden-head', Buffer.from(head), 800, SEED + 3, () => whole.length);
    expect(o.slowestMs).toBeLessThan(1000);
    expect(o.accepted + [...o.rejected.values()].reduce((a, b) => a + b, 0)).toBe(800);
  });

  it('keeps memory bounded', () => {
    if (global.gc) global.gc();
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * 1024 * 1024);
  });
});

describe('readGGUF agrees with parseGGUF on mutants', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gguf-fuzz-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('same result or same error code and offset, with tiny read chunks', async () => {
    const r = prng(SEED + 4);
    const seed = tinyGGUF();
    const path = join(dir, 'm.gguf');
    for (let i = 0; i < 150; i++) {
      const m = mutate(seed, r);
      writeFileSync(path, m);
      const fromMemory = settle(() => parseGGUF(m));
      const fromFile = await readGGUF(path, { chunkSize: 1 + int(r, 64) }).then(
        (f) => summary(f),
        (e: unknown) => (e instanceof GGUFError ? `${e.code}@${e.offset}` : `foreign ${String(e)}`),
      );
      expect([i, fromFile]).toEqual([i, fromMemory]);
      expect([i, fromMemory.startsWith('foreign')]).toEqual([i, false]);
    }
  });
});

function summary(f: GGUFFile): string {
  const kv = f.kv.list().map((e) => `${e.key}:${e.value.type}`);
  return JSON.stringify({ kv, tensors: f.tensors, dataOffset: f.dataOffset, alignment: f.alignment });
}

function settle(parse: () => GGUFFile): string {
  try {
    return summary(parse());
  } catch (e) {
    return e instanceof GGUFError ? `${e.code}@${e.offset}` : `foreign ${String(e)}`;
  }
}

describe('re-encoding accepted mutants', () => {
  it('keeps every key, type and value (semantic round trip)', () => {
    const r = prng(SEED + 5);
    const seed = tinyGGUF();
    let checked = 0;
    for (let i = 0; i < 600; i++) {
      const m = mutate(seed, r);
      let f: GGUFFile;
      try {
        f = parseGGUF(m);
      } catch {
        continue;
      }
      const tensors = f.tensors.map((t) => ({ ...t, data: m.subarray(t.absoluteOffset, t.absoluteOffset + t.nBytes) }));
      const again = parseGGUF(buildGGUF(f.kv, tensors, { version: f.version as 2 | 3 }));
      expect([i, again.kv.list()]).toEqual([i, f.kv.list()]);
      expect([i, again.tensors]).toEqual([i, f.tensors.map((t) => ({ ...t, absoluteOffset: again.dataOffset + t.offset }))]);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });
});
