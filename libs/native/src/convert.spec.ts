// The conversion API: argument checking, round trips, thread-count
// independence, cancellation and not blocking the event loop.
import { GGMLType, typeTraits } from './ggml-types';
import { dequantize, dequantizeSync, quantize, quantizeSync } from './convert';
import { NativeError } from './native-error';
import { gaussian, importance } from './test-utils/random';

const TYPES = [
  GGMLType.F16,
  GGMLType.BF16,
  GGMLType.Q4_0,
  GGMLType.Q4_1,
  GGMLType.Q5_0,
  GGMLType.Q5_1,
  GGMLType.Q8_0,
  GGMLType.IQ4_NL,
  GGMLType.IQ4_XS,
];

// Upper bounds of RMS(error) / RMS(x) for Gaussian data; each is a little
// above what the format achieves, far below what a layout bug produces.
const MAX_RELATIVE_RMSE: Record<number, number> = {
  [GGMLType.F16]: 0.0005,
  [GGMLType.BF16]: 0.003,
  [GGMLType.Q8_0]: 0.01,
  [GGMLType.Q5_0]: 0.05,
  [GGMLType.Q5_1]: 0.05,
  [GGMLType.Q4_0]: 0.11,
  [GGMLType.Q4_1]: 0.1,
  [GGMLType.IQ4_NL]: 0.1,
  [GGMLType.IQ4_XS]: 0.1,
};

// Bytewise equality (Jest's deep equality is slow on large arrays).
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function relativeRmse(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let ref = 0;
  for (let i = 0; i < a.length; i++) {
    err += (a[i] - b[i]) ** 2;
    ref += a[i] ** 2;
  }
  return Math.sqrt(err / ref);
}

async function expectNativeError(p: Promise<unknown> | (() => unknown), code: string): Promise<NativeError> {
  let caught: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(NativeError);
  expect((caught as NativeError).code).toBe(code);
  return caught as NativeError;
}

describe('round trips', () => {
  const nPerRow = 512;
  const x = gaussian(nPerRow * 16, 7, 0.02);

  it.each(TYPES)('type %i: quantize then dequantize stays within the format error', async (type) => {
    const t = typeTraits(type);
    const q = await quantize(type, x, nPerRow);
    expect(q.length).toBe((x.length / t.blockSize) * t.typeSize);
    const y = await dequantize(type, q, x.length);
    const rmse = relativeRmse(x, y);
    expect(rmse).toBeLessThan(MAX_RELATIVE_RMSE[type]);
    expect(rmse).toBeGreaterThan(0);
  });

  it.each(TYPES)('type %i: the imatrix path also round trips and changes nothing in the size', async (type) => {
    const q = await quantize(type, x, nPerRow, { imatrix: importance(nPerRow, 3) });
    const y = dequantizeSync(type, q, x.length);
    expect(relativeRmse(x, y)).toBeLessThan(MAX_RELATIVE_RMSE[type] * 1.5);
  });

  it('Q8_0 keeps every value within half a quantization step', async () => {
    const q = quantizeSync(GGMLType.Q8_0, x, nPerRow);
    const y = dequantizeSync(GGMLType.Q8_0, q, x.length);
    // Half a step, plus the scale's own FP16 rounding (up to 2^-11 relative, times 127).
    let worst = 0;
    for (let b = 0; b < x.length / 32; b++) {
      const block = x.subarray(32 * b, 32 * b + 32);
      const step = Math.max(...block.map(Math.abs)) / 127;
      for (let j = 0; j < 32; j++) worst = Math.max(worst, Math.abs(y[32 * b + j] - block[j]) / step);
    }
    expect(worst).toBeLessThanOrEqual(0.57);
    expect(worst).toBeGreaterThan(0.3);
  });

  it('dequantizes F32 as a copy', async () => {
    const bytes = new Uint8Array(x.buffer.slice(0));
    const y = await dequantize(GGMLType.F32, bytes, x.length);
    expect(y).toEqual(x);
  });

  it('an all-zero block gives the reference encodings', () => {
    const zeros = new Float32Array(32);
    // Q4_0: d = 0 / -8 = -0.0 (fp16 0x8000), nibbles 8.
    expect([...quantizeSync(GGMLType.Q4_0, zeros, 32)]).toEqual([0x00, 0x80, ...Array(16).fill(0x88)]);
    // Q5_0: d = -0.0, low nibbles 0, every high bit set.
    expect([...quantizeSync(GGMLType.Q5_0, zeros, 32)]).toEqual([0x00, 0x80, 0xff, 0xff, 0xff, 0xff, ...Array(16).fill(0)]);
    // IQ4_NL: d = 0, every index 8.
    expect([...quantizeSync(GGMLType.IQ4_NL, zeros, 32)]).toEqual([0, 0, ...Array(16).fill(0x88)]);
  });
});

describe('threads', () => {
  const nPerRow = 256;
  const x = gaussian(nPerRow * 97, 11);
  const imatrix = importance(nPerRow, 5);

  it.each(TYPES)('type %i: 1, 3 and 8 threads and the sync call give identical bytes', async (type) => {
    const one = await quantize(type, x, nPerRow, { threads: 1, imatrix });
    expect(sameBytes(await quantize(type, x, nPerRow, { threads: 3, imatrix }), one)).toBe(true);
    expect(sameBytes(await quantize(type, x, nPerRow, { threads: 8, imatrix }), one)).toBe(true);
    expect(sameBytes(quantizeSync(type, x, nPerRow, { threads: 2, imatrix }), one)).toBe(true);
    const y1 = await dequantize(type, one, x.length, { threads: 1 });
    expect(sameBytes(await dequantize(type, one, x.length, { threads: 5 }), y1)).toBe(true);
  });
});

describe('argument checks', () => {
  const x = new Float32Array(64);

  it('rejects an unknown type id', async () => {
    await expectNativeError(quantize(4 as GGMLType, x, 32), 'EINVAL');
    await expectNativeError(dequantize(1234 as GGMLType, new Uint8Array(0), 0), 'EINVAL');
  });

  it('rejects types without a kernel in that direction', async () => {
    await expectNativeError(quantize(GGMLType.F32, x, 32), 'EUNSUPPORTED');
    await expectNativeError(quantize(GGMLType.IQ2_XXS, new Float32Array(256), 256), 'EUNSUPPORTED');
    await expectNativeError(dequantize(GGMLType.Q8_1, new Uint8Array(36), 32), 'EUNSUPPORTED');
  });

  it('rejects rows that do not fit the block size or the input', async () => {
    const e = await expectNativeError(quantize(GGMLType.Q4_0, x, 48), 'EINVAL');
    expect(e.message).toMatch(/block size 32/);
    await expectNativeError(quantize(GGMLType.Q4_0, new Float32Array(96), 64), 'EINVAL');
    await expectNativeError(quantize(GGMLType.Q4_0, x, 0), 'EINVAL');
    await expectNativeError(quantize(GGMLType.Q4_0, x, 1.5), 'EINVAL');
  });

  it('rejects a wrong source type, imatrix length or thread count', async () => {
    await expectNativeError(quantize(GGMLType.Q8_0, new Float64Array(32) as unknown as Float32Array, 32), 'EINVAL');
    const e = await expectNativeError(quantize(GGMLType.Q4_0, x, 32, { imatrix: new Float32Array(31) }), 'EINVAL');
    expect(e.message).toMatch(/31 weights/);
    await expectNativeError(quantize(GGMLType.Q4_0, x, 32, { threads: 0 }), 'EINVAL');
    await expectNativeError(() => quantizeSync(GGMLType.Q4_0, x, 32, { threads: 2.5 }), 'EINVAL');
  });

  it('rejects a dequantize source of the wrong size', async () => {
    await expectNativeError(dequantize(GGMLType.Q4_0, new Uint8Array(17), 32), 'EINVAL');
    await expectNativeError(dequantize(GGMLType.Q4_0, new Uint8Array(18), 16), 'EINVAL');
    await expectNativeError(() => dequantizeSync(GGMLType.Q4_0, new Uint8Array(19), 32), 'EINVAL');
  });

  it('the addon itself refuses bad arguments with a coded error instead of crashing', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const raw = require('./addon').loadAddon();
    expect(() => raw.quantizeSync(GGMLType.Q8_0, new Float32Array(33), 32, undefined, 1)).toThrow(/whole number of rows/);
    expect(() => raw.dequantizeSync(GGMLType.Q8_0, new Uint8Array(10), 32, 1)).toThrow(/need 34/);
    expect(() => raw.quantize(GGMLType.Q8_0, new Float32Array(32), 32, undefined, 1, undefined, {})).toThrow(/cancel token/);
    expect(() => raw.cancel(123)).toThrow(/createCancelToken/);
  });

  it('accepts empty input', async () => {
    expect((await quantize(GGMLType.Q4_0, new Float32Array(0), 32)).length).toBe(0);
    expect((await dequantize(GGMLType.Q4_0, new Uint8Array(0), 0)).length).toBe(0);
  });
});

describe('async behaviour', () => {
  // IQ4_XS runs a 15-step search per block: 2M values keep one thread busy
  // for tens of milliseconds or more, long enough to observe and to abort.
  const big = gaussian(256 * 8000, 13);

  it('keeps the event loop responsive while a large quantize runs', async () => {
    const started = performance.now();
    const pending = quantize(GGMLType.IQ4_XS, big, 256, { threads: 1 });
    const callMs = performance.now() - started;
    let timerFiredFirst = false;
    let settled = false;
    setTimeout(() => {
      timerFiredFirst = !settled;
    }, 0);
    await pending;
    settled = true;
    const totalMs = performance.now() - started;
    // The call itself only validates and queues; the work happens elsewhere
    // while timers keep running.
    expect(totalMs).toBeGreaterThan(4 * callMs);
    expect(timerFiredFirst).toBe(true);
  });

  it('an abort right after the call rejects with EABORT (an AbortError)', async () => {
    const controller = new AbortController();
    const p = quantize(GGMLType.IQ4_XS, big, 256, { threads: 2, signal: controller.signal });
    controller.abort();
    const e = await expectNativeError(p, 'EABORT');
    expect(e.name).toBe('AbortError');
  });

  it('an abort while the work runs stops it early', async () => {
    // Time a quarter of the job, abort the whole one a fraction of that in.
    let t0 = performance.now();
    await quantize(GGMLType.IQ4_XS, big.subarray(0, big.length / 4), 256, { threads: 1 });
    const quarterMs = performance.now() - t0;
    const controller = new AbortController();
    t0 = performance.now();
    const work = quantize(GGMLType.IQ4_XS, big, 256, { threads: 1, signal: controller.signal });
    setTimeout(() => controller.abort(), Math.max(1, quarterMs / 4));
    await expectNativeError(work, 'EABORT');
    // The whole job takes about four quarters; cancellation is checked per chunk.
    expect(performance.now() - t0).toBeLessThan(2.5 * quarterMs + 20);
  });

  it('an already aborted signal rejects before any work', async () => {
    const controller = new AbortController();
    controller.abort();
    await expectNativeError(quantize(GGMLType.Q8_0, new Float32Array(32), 32, { signal: controller.signal }), 'EABORT');
    await expectNativeError(dequantize(GGMLType.Q8_0, new Uint8Array(34), 32, { signal: controller.signal }), 'EABORT');
  });

  it('a signal that never fires leaves the result untouched', async () => {
    const x = gaussian(1024, 17);
    const controller = new AbortController();
    expect(await quantize(GGMLType.Q4_1, x, 1024, { signal: controller.signal })).toEqual(quantizeSync(GGMLType.Q4_1, x, 1024));
  });
});

describe('memory views', () => {
  it('quantizes a Float32Array view at an offset like a copy', async () => {
    const x = gaussian(32 * 40, 31);
    const view = x.subarray(32 * 3, 32 * 35);
    expect(sameBytes(await quantize(GGMLType.Q5_1, view, 64), await quantize(GGMLType.Q5_1, view.slice(), 64))).toBe(true);
  });

  it.each([GGMLType.F16, GGMLType.Q4_0, GGMLType.Q8_0, GGMLType.IQ4_XS])(
    'type %i: dequantizes a source at an odd byte offset like an aligned one',
    async (type) => {
      const x = gaussian(256 * 64, 37);
      const q = quantizeSync(type, x, 256);
      const shifted = new Uint8Array(q.length + 1);
      shifted.set(q, 1);
      const odd = shifted.subarray(1);
      const expected = dequantizeSync(type, q, x.length);
      expect(sameBytes(await dequantize(type, odd, x.length, { threads: 3 }), expected)).toBe(true);
      expect(sameBytes(dequantizeSync(type, odd, x.length), expected)).toBe(true);
    },
  );
});
