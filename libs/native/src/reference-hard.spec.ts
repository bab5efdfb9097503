// The weighted (imatrix) quantizers and the plain ones on adversarial input
// must reproduce the reference's bytes exactly (fixtures/README.md).
import { GGMLType, typeTraitsByName } from './ggml-types';
import { quantize } from './convert';
import { cpuFeatures, setKernelPath } from './cpu';
import { loadAddon } from './addon';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Fixture {
  nPerRow: number;
  x: string;
  imatrix: string;
  outputs: Record<string, string>;
  activations: { Q8_1: string };
}
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'reference-hard.json'), 'utf8')) as Fixture;

function floats(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

const x = floats(fixture.x);
const imatrix = floats(fixture.imatrix);
const cases = Object.entries(fixture.outputs).map(([key, bytes]) => {
  const [name, weighted] = key.split('-');
  const traits = typeTraitsByName(name);
  if (!traits) throw new Error(`fixture names unknown type ${name}`);
  return [key, traits.type, weighted === 'imatrix', Buffer.from(bytes, 'base64')] as const;
});

// 'avx2' too where 'auto' takes AVX-512 kernels, so the AVX2 ones are checked on this machine as well.
const KERNEL_PATHS = cpuFeatures().simd === 'avx512' ? (['auto', 'avx2', 'scalar'] as const) : (['auto', 'scalar'] as const);

describe.each(KERNEL_PATHS)('reference bytes on hard input (%s kernels)', (path) => {
  beforeAll(() => setKernelPath(path));
  afterAll(() => setKernelPath('auto'));

  it('covers every legacy and IQ4 type, with and without an imatrix', () => {
    const types = new Set(cases.map(([, type]) => type));
    for (const t of [GGMLType.Q4_0, GGMLType.Q4_1, GGMLType.Q5_0, GGMLType.Q5_1, GGMLType.Q8_0, GGMLType.IQ4_NL, GGMLType.IQ4_XS]) {
      expect(types.has(t)).toBe(true);
    }
    expect(cases.filter(([, , weighted]) => weighted).length).toBe(7);
  });

  it.each(cases)('%s', async (_key, type, weighted, expected) => {
    const out = await quantize(type, x, fixture.nPerRow, { imatrix: weighted ? imatrix : undefined, threads: 3 });
    expect(out.length).toBe(expected.length);
    const at = out.findIndex((b, i) => b !== expected[i]);
    expect(at).toBe(-1);
  });
});

describe('reference bytes of the Q8_1 activation format', () => {
  it('the raw addon reproduces quantize_row_q8_1_ref (the wrapper refuses Q8_1: not a file type)', () => {
    const expected = Buffer.from(fixture.activations.Q8_1, 'base64');
    const out = loadAddon().quantizeSync(GGMLType.Q8_1, x, fixture.nPerRow, undefined, 2);
    expect(out.length).toBe(expected.length);
    expect(out.findIndex((b, i) => b !== expected[i])).toBe(-1);
  });
});
