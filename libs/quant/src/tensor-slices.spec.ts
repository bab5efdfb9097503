import { GGMLType } from '@tessera/native';
import type { GGUFTensorInfo } from '@tessera/gguf';
import { planSlices } from './tensor-slices';
import type { PlannedTensor } from './tensor-type-rules';

function tensor(name: string, dims: number[], fromType: GGMLType, toType: GGMLType, absoluteOffset: number, bytesPerElement: number) {
  const nElements = dims.reduce((a, b) => a * b, 1);
  const planned: PlannedTensor = { name, dims, fromType, toType, quantizable: true };
  const info: GGUFTensorInfo = { name, dims, type: fromType, offset: 0, absoluteOffset, nBytes: nElements * bytesPerElement, nElements };
  return { planned, info };
}
const slicesOf = (list: Array<ReturnType<typeof tensor>>, maxBytes: number) =>
  planSlices(
    list.map((t) => t.planned),
    new Map(list.map((t) => [t.info.name, t.info])),
    maxBytes,
  ).map((s) => ({ name: s.tensor.name, offset: s.offset, nBytes: s.nBytes, firstElement: s.firstElement, nRows: s.nRows, expert: s.expert, last: s.last }));

describe('planSlices', () => {
  it('cuts a converted tensor into whole rows of at most maxBytes, covering it exactly', () => {
    // 10 rows of 64 F16 values = 128 bytes a row; 300 bytes fit 2 rows.
    const t = tensor('w', [64, 10], GGMLType.F16, GGMLType.Q8_0, 1000, 2);
    const s = slicesOf([t], 300);
    expect(s.map((x) => x.nRows)).toEqual([2, 2, 2, 2, 2]);
    expect(s.map((x) => x.offset)).toEqual([1000, 1256, 1512, 1768, 2024]);
    expect(s.map((x) => x.firstElement)).toEqual([0, 128, 256, 384, 512]);
    expect(s.map((x) => x.last)).toEqual([false, false, false, false, true]);
    expect(s.reduce((n, x) => n + x.nBytes, 0)).toBe(t.info.nBytes);
  });

  it('keeps the last slice short and gives a row larger than maxBytes a slice of its own', () => {
    expect(slicesOf([tensor('w', [64, 5], GGMLType.F32, GGMLType.Q8_0, 0, 4)], 512).map((x) => x.nRows)).toEqual([2, 2, 1]);
    expect(slicesOf([tensor('w', [64, 3], GGMLType.F32, GGMLType.Q8_0, 0, 4)], 10).map((x) => x.nRows)).toEqual([1, 1, 1]);
  });

  it('never lets a slice span two experts of a 3-D tensor', () => {
    // 3 experts of 3 rows; 2 rows per slice -> 2 + 1 per expert.
    const s = slicesOf([tensor('blk.0.ffn_down_exps.weight', [32, 3, 3], GGMLType.F32, GGMLType.Q4_0, 0, 4)], 256);
    expect(s.map((x) => [x.expert, x.nRows, x.firstElement])).toEqual([
      [0, 2, 0],
      [0, 1, 64],
      [1, 2, 96],
      [1, 1, 160],
      [2, 2, 192],
      [2, 1, 256],
    ]);
    expect(s.map((x) => x.last)).toEqual([false, false, false, false, false, true]);
  });

  it('copies tensors that keep their type in byte ranges, and gives an empty tensor one empty slice', () => {
    const copy = tensor('norm', [100], GGMLType.F32, GGMLType.F32, 64, 4);
    const empty = tensor('none', [0, 4], GGMLType.F32, GGMLType.Q8_0, 464, 4);
    expect(slicesOf([copy, empty], 150)).toEqual([
      { name: 'norm', offset: 64, nBytes: 150, firstElement: 0, nRows: 0, expert: 0, last: false },
      { name: 'norm', offset: 214, nBytes: 150, firstElement: 0, nRows: 0, expert: 0, last: false },
      { name: 'norm', offset: 364, nBytes: 100, firstElement: 0, nRows: 0, expert: 0, last: true },
      { name: 'none', offset: 464, nBytes: 0, firstElement: 0, nRows: 0, expert: 0, last: true },
    ]);
  });

  it('rejects a slice size that is not a positive integer', () => {
    expect(() => slicesOf([], 0)).toThrow(RangeError);
    expect(() => slicesOf([], 1.5)).toThrow(RangeError);
  });
});
