// Byte-for-byte agreement with the reference quantizer: every tensor of the
// golden preset files whose type is one of ours is re-quantized from the F32
// source and must match exactly.
import { GGMLType, typeTraits } from './ggml-types';
import { quantize } from './convert';
import { cpuFeatures, setKernelPath } from './cpu';
import { goldenSource, goldenTensors } from './test-utils/golden';
import { asFloat32 } from './test-utils/gguf-tensors';

const OURS = new Set<number>([
  GGMLType.F16,
  GGMLType.BF16,
  GGMLType.Q4_0,
  GGMLType.Q4_1,
  GGMLType.Q5_0,
  GGMLType.Q5_1,
  GGMLType.Q8_0,
  GGMLType.IQ4_NL,
  GGMLType.IQ4_XS,
]);

const PRESETS: [string, GGMLType][] = [
  ['Q4_0', GGMLType.Q4_0],
  ['Q4_1', GGMLType.Q4_1],
  ['Q5_0', GGMLType.Q5_0],
  ['Q5_1', GGMLType.Q5_1],
  ['Q8_0', GGMLType.Q8_0],
  ['IQ4_NL', GGMLType.IQ4_NL],
  ['IQ4_XS', GGMLType.IQ4_XS],
  ['F16', GGMLType.F16],
  ['BF16', GGMLType.BF16],
];

const source = goldenSource();

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

// 'avx2' too where 'auto' takes AVX-512 kernels, so the AVX2 ones are checked on this machine as well.
const KERNEL_PATHS = cpuFeatures().simd === 'avx512' ? (['auto', 'avx2', 'scalar'] as const) : (['auto', 'scalar'] as const);

describe.each(KERNEL_PATHS)('golden presets (%s kernels)', (path) => {
  beforeAll(() => setKernelPath(path));
  afterAll(() => setKernelPath('auto'));

  it.each(PRESETS)('micro-%s.gguf: our tensors match byte for byte', async (preset, baseType) => {
    const tensors = goldenTensors(preset).filter((t) => OURS.has(t.type));
    // The preset's own type must be among them, or this test would prove nothing.
    expect(tensors.filter((t) => t.type === baseType).length).toBeGreaterThan(0);
    for (const golden of tensors) {
      const src = source.get(golden.name);
      if (!src) throw new Error(`${golden.name} is missing from the F32 source`);
      const out = await quantize(golden.type, asFloat32(src), src.ne[0], { threads: 2 });
      const at = firstDiff(out, golden.data);
      if (at !== -1) {
        throw new Error(`${preset}: ${golden.name} (${typeTraits(golden.type).name}) differs at byte ${at} of ${golden.data.length}`);
      }
    }
  });
});
