import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GGMLType } from '@tessera/native';
import { GGUFMetadata, buildGGUF, ggufValue, parseGGUF } from '@tessera/gguf';
import { quantizeFile } from './quantize-file';
import { validateQuantized } from './validate-quantized';

const GOLDEN = process.env.TESSERA_GOLDEN_DIR ?? '/work/shared/golden/micro';

describe('validateQuantized', () => {
  it('accepts every tensor of the reference files', () => {
    for (const preset of ['Q2_K', 'Q3_K_M', 'Q4_K_M', 'Q5_K_M', 'Q6_K', 'Q4_1', 'Q5_1', 'IQ4_XS', 'IQ4_NL', 'F16', 'BF16']) {
      const bytes = readFileSync(join(GOLDEN, `micro-${preset}.gguf`));
      for (const t of parseGGUF(bytes).tensors) {
        expect(() => validateQuantized(t.name, t.type, bytes.subarray(t.absoluteOffset, t.absoluteOffset + t.nBytes))).not.toThrow();
      }
    }
  });

  it('finds an infinite or NaN scale in the block field where each type keeps it', () => {
    const cases: Array<[GGMLType, number, number]> = [
      [GGMLType.Q8_0, 34, 0],
      [GGMLType.Q4_1, 20, 2], // m
      [GGMLType.Q2_K, 84, 82], // dmin, after scales and qs
      [GGMLType.Q3_K, 110, 108],
      [GGMLType.Q6_K, 210, 208],
      [GGMLType.Q4_K, 144, 2],
    ];
    for (const [type, size, field] of cases) {
      const data = new Uint8Array(size * 3);
      new DataView(data.buffer).setUint16(size + field, 0x7e00, true); // NaN in block 1
      expect(() => validateQuantized('w', type, data)).toThrow(/block 1/);
      new DataView(data.buffer).setUint16(size + field, 0x3c00, true); // 1.0
      expect(() => validateQuantized('w', type, data)).not.toThrow();
    }
  });

  it('checks every value of plain float outputs', () => {
    expect(() => validateQuantized('w', GGMLType.F32, new Uint8Array(new Float32Array([1, 2, Infinity]).buffer))).toThrow(/block 2/);
    expect(() => validateQuantized('w', GGMLType.F16, new Uint8Array(new Uint16Array([0x3c00, 0xfc00]).buffer))).toThrow(/block 1/);
    expect(() => validateQuantized('w', GGMLType.BF16, new Uint8Array(new Uint16Array([0x7f81]).buffer))).toThrow(/block 0/);
    expect(() => validateQuantized('w', GGMLType.BF16, new Uint8Array(new Uint16Array([0x7f7f]).buffer))).not.toThrow();
  });

  it('makes quantizeFile fail without output on a weight too large for FP16 scales', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'validate-'));
    try {
      const kv = new GGUFMetadata().set('general.architecture', ggufValue.string('llama'));
      const w = new Float32Array(64).fill(0.5);
      w[40] = 1e30;
      const inPath = join(dir, 'in.gguf');
      writeFileSync(inPath, buildGGUF(kv, [{ name: 'blk.0.attn_q.weight', dims: [32, 2], type: GGMLType.F32, data: new Uint8Array(w.buffer) }]));
      await expect(quantizeFile(inPath, join(dir, 'out.gguf'), 'Q8_0', { threads: 1 })).rejects.toThrow(/blk\.0\.attn_q\.weight.*block 1/);
      expect(readdirSync(dir)).toEqual(['in.gguf']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
