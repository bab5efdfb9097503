import { isUtf8 } from 'node:buffer';
import { isStrictUtf8 } from './byte-window';

const fatal = new TextDecoder('utf-8', { fatal: true });

function decoderAccepts(b: Uint8Array): boolean {
  try {
    fatal.decode(b);
    return true;
  } catch {
    return false;
  }
}

/**
 * Byte strings where isStrictUtf8 disagrees with Node's validator (simdutf);
 * every `oracleEvery`-th case is also checked against the WHATWG fatal decoder
 * (slow when it throws, so sampled).
 */
function disagreements(cases: Iterable<Uint8Array>, oracleEvery = 64): string[] {
  const out: string[] = [];
  let i = 0;
  for (const b of cases) {
    const ours = isStrictUtf8(b, 0, b.length);
    if (ours !== isUtf8(b) || (i++ % oracleEvery === 0 && ours !== decoderAccepts(b))) out.push(Buffer.from(b).toString('hex'));
  }
  return out;
}

function* allOfLength(n: 1 | 2): Generator<Uint8Array> {
  for (let x = 0; x < 256 ** n; x++) yield n === 1 ? Uint8Array.of(x) : Uint8Array.of(x >> 8, x & 0xff);
}

function* leadsWithContinuations(): Generator<Uint8Array> {
  // Every lead byte with every second byte, then boundary continuation bytes.
  const tails = [0x7f, 0x80, 0xbf, 0xc0];
  for (let lead = 0xc0; lead < 0x100; lead++) {
    for (let second = 0; second < 256; second++) {
      for (const t of tails) {
        yield Uint8Array.of(lead, second, t);
        yield Uint8Array.of(lead, second, 0x80, t);
      }
    }
  }
}

function* randomStrings(count: number): Generator<Uint8Array> {
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16;
  for (let i = 0; i < count; i++) {
    const b = new Uint8Array(1 + (next() % 12));
    for (let k = 0; k < b.length; k++) b[k] = next() % 3 === 0 ? next() & 0x7f : 0x80 | (next() & 0x7f);
    yield b;
  }
}

describe('isStrictUtf8', () => {
  it('agrees with strict validators on all 1- and 2-byte strings', () => {
    expect(disagreements(allOfLength(1))).toEqual([]);
    expect(disagreements(allOfLength(2))).toEqual([]);
  });

  it('agrees on every lead byte followed by boundary continuation bytes', () => {
    expect(disagreements(leadsWithContinuations())).toEqual([]);
  });

  it('agrees on random high-byte strings', () => {
    expect(disagreements(randomStrings(20000), 4)).toEqual([]);
  });

  it('checks only the given range', () => {
    const b = Uint8Array.of(0xff, 0x41, 0xc3, 0xa9, 0xff);
    expect(isStrictUtf8(b, 1, 4)).toBe(true);
    expect(isStrictUtf8(b, 1, 3)).toBe(false);
  });
});
