import { GGMLType } from '@tessera/native';
import { openSync, closeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { readGGUF } from './reader';
import { bf16ToF32, f16ToF32, iterateTensorsF32, readTensorData, toFloat32 } from './tensor-data';

const GOLDEN = join(__dirname, '../../../../shared/golden/micro');

/** Index of the first element outside the relative tolerance, or -1. */
function firstMismatch(got: Float32Array, want: Float32Array, relTol: number): number {
  // No Math.abs here: global lookups are slow inside Jest's sandbox.
  for (let i = 0; i < want.length; i++) {
    const diff = got[i] - want[i];
    const mag = want[i] < 0 ? -want[i] : want[i];
    if ((diff < 0 ? -diff : diff) > mag * relTol + 1e-7) return i;
  }
  return -1;
}

describe('half and bfloat16 widening', () => {
  it.each([
    [0x3c00, 1],
    [0xc000, -2],
    [0x7bff, 65504],
    [0x0001, 2 ** -24],
    [0x03ff, 1023 * 2 ** -24],
    [0x0400, 2 ** -14],
    [0x3555, 0.333251953125],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
    [0x8000, -0],
    [0x0000, 0],
  ])('f16 %s → %s', (h, f) => {
    expect(Object.is(f16ToF32(h), f)).toBe(true);
  });

  it('keeps NaN', () => {
    expect(f16ToF32(0x7e00)).toBeNaN();
    expect(bf16ToF32(0x7fc0)).toBeNaN();
  });

  it('bf16 is the top half of a float32', () => {
    expect([bf16ToF32(0x3f80), bf16ToF32(0xc040), bf16ToF32(0x0000), bf16ToF32(0x8000)]).toEqual([1, -3, 0, -0]);
  });

  it('toFloat32 widens whole buffers, also unaligned ones', () => {
    const bytes = new Uint8Array([0, 0x00, 0x3c, 0x00, 0xc0]).subarray(1);
    expect(Array.from(toFloat32(GGMLType.F16, bytes))).toEqual([1, -2]);
    expect(Array.from(toFloat32(GGMLType.BF16, new Uint8Array([0x80, 0x3f])))).toEqual([1]);
    expect(() => toFloat32(GGMLType.Q4_0, new Uint8Array(18))).toThrow(expect.objectContaining({ code: 'EBADTENSORTYPE' }));
  });
});

describe('reading tensor data from golden files', () => {
  it('F16 and BF16 conversions of the f32 source agree with it to their precision', async () => {
    const src = await readGGUF(join(GOLDEN, 'micro-f32.gguf'));
    const fh = await open(join(GOLDEN, 'micro-f32.gguf'), 'r');
    const reference = new Map<string, Float32Array>();
    for await (const { tensor, data } of iterateTensorsF32(fh, src)) reference.set(tensor.name, data);
    await fh.close();
    expect(reference.size).toBe(src.tensors.length);

    for (const [file, relTol] of [['micro-F16.gguf', 2 ** -11], ['micro-BF16.gguf', 2 ** -8]] as const) {
      const f = await readGGUF(join(GOLDEN, file));
      const h = await open(join(GOLDEN, file), 'r');
      let checked = 0;
      for await (const { tensor, data } of iterateTensorsF32(h, f, (t) => t.type !== GGMLType.F32)) {
        const ref = reference.get(tensor.name)!;
        expect(data.length).toBe(ref.length);
        const bad = firstMismatch(data, ref, relTol);
        expect([tensor.name, bad, data[bad], ref[bad]]).toEqual([tensor.name, -1, undefined, undefined]);
        checked++;
      }
      await h.close();
      expect(checked).toBeGreaterThan(10);
    }
  });

  it('reads by name through a numeric descriptor', async () => {
    const path = join(GOLDEN, 'micro-Q4_0.gguf');
    const f = await readGGUF(path);
    const fd = openSync(path, 'r');
    try {
      const byName = await readTensorData(fd, f, 'blk.0.attn_q.weight');
      expect(byName.length).toBe(f.tensorsByName.get('blk.0.attn_q.weight')!.nBytes);
      expect(byName.byteOffset).toBe(0);
      await expect(readTensorData(fd, f, 'nope')).rejects.toMatchObject({ code: 'ESTATE' });
    } finally {
      closeSync(fd);
    }
  });
});
