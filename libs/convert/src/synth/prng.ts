// A small, fast, seedable PRNG (xoshiro128**, seeded through splitmix32) and
// a cheap approximately-normal sampler. Everything synthesized is a pure
// function of (seed, name), so outputs are reproducible across runs and
// independent of generation order.

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a of a string mixed with a seed: a stable per-name stream id. */
export function hashSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const st = { s: seed | 0 };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9);
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /**
   * Approximately N(0, 1) from one 32-bit draw: the sum of its four bytes is
   * an Irwin-Hall(4) variable (mean 510, variance 4 * (256^2 - 1) / 12), which
   * is close to normal within about +-3.5 sigma and costs no transcendental.
   */
  normal(): number {
    const x = this.nextU32();
    return ((x & 0xff) + ((x >>> 8) & 0xff) + ((x >>> 16) & 0xff) + (x >>> 24) - 510) * NORMAL_SCALE;
  }

  /** Fills `out` with mean + std * normal(); same stream as calling normal() repeatedly. */
  fillNormal(out: Float32Array, mean: number, std: number): Float32Array {
    const k = std * NORMAL_SCALE;
    // The generator step is inlined with the state in locals: this loop makes
    // every synthesized weight, so it is worth keeping tight.
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    for (let i = 0; i < out.length; i++) {
      const r = Math.imul(rotl(Math.imul(b, 5), 7), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
      out[i] = mean + ((r & 0xff) + ((r >>> 8) & 0xff) + ((r >>> 16) & 0xff) + (r >>> 24) - 510) * k;
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    return out;
  }
}

const NORMAL_SCALE = 1 / Math.sqrt((4 * (256 * 256 - 1)) / 12);

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
