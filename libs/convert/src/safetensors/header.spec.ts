import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConvertError } from '../errors';
import { parseHeaderJson, parseHeaderLength } from './header';
import { SafetensorsFile } from './safetensors-file';
import { encodeSafetensorsHeader, writeSafetensors } from './writer';

const json = (o: unknown) => Buffer.from(JSON.stringify(o));
const t = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ConvertError) return e.code;
    throw e;
  }
  return 'ok';
}

describe('safetensors header validation', () => {
  it('accepts a valid header and orders entries by data offset', () => {
    const h = parseHeaderJson(json({ b: t('F16', [2, 2], 16, 24), a: t('F32', [4], 0, 16), __metadata__: { format: 'pt' } }), 24, 'x');
    expect(h.entries.map((e) => e.name)).toEqual(['a', 'b']);
    expect(h.metadata).toEqual({ format: 'pt' });
  });

  it.each([
    ['bad JSON', Buffer.from('{"a":'), 'CONVERT_BAD_SAFETENSORS'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'CONVERT_BAD_SAFETENSORS'],
    ['not an object', json([1, 2]), 'CONVERT_BAD_SAFETENSORS'],
    ['unknown dtype', json({ a: t('F12', [1], 0, 2) }), 'CONVERT_BAD_SAFETENSORS'],
    ['negative shape', json({ a: t('F32', [-1], 0, 4) }), 'CONVERT_BAD_SAFETENSORS'],
    ['fractional offset', json({ a: t('F32', [1], 0.5, 4.5) }), 'CONVERT_BAD_SAFETENSORS'],
    ['reversed offsets', json({ a: t('F32', [1], 4, 0) }), 'CONVERT_BAD_SAFETENSORS'],
    ['size mismatch', json({ a: t('F32', [2], 0, 4) }), 'CONVERT_BAD_SAFETENSORS'],
    ['overlap', json({ a: t('F32', [2], 0, 8), b: t('F32', [2], 4, 12) }), 'CONVERT_BAD_SAFETENSORS'],
    ['past the end', json({ a: t('F32', [8], 0, 32) }), 'CONVERT_TRUNCATED'],
    ['metadata not strings', json({ __metadata__: { a: 1 } }), 'CONVERT_BAD_SAFETENSORS'],
    ['huge shape', json({ a: t('F32', [2 ** 40, 2 ** 40], 0, 4) }), 'CONVERT_BAD_SAFETENSORS'],
  ])('rejects %s', (_what, header, code) => {
    expect(codeOf(() => parseHeaderJson(header, 16, 'x'))).toBe(code);
  });

  it('checks the header length against the file size', () => {
    const len = (n: bigint) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(n);
      return b;
    };
    expect(codeOf(() => parseHeaderLength(len(100n), 50, 'x'))).toBe('CONVERT_TRUNCATED');
    expect(codeOf(() => parseHeaderLength(len(2n ** 63n), 1 << 30, 'x'))).toBe('CONVERT_BAD_SAFETENSORS');
    expect(codeOf(() => parseHeaderLength(len(1n), 100, 'x'))).toBe('CONVERT_BAD_SAFETENSORS');
    expect(codeOf(() => parseHeaderLength(Buffer.alloc(3), 3, 'x'))).toBe('CONVERT_BAD_SAFETENSORS');
    expect(parseHeaderLength(len(40n), 48, 'x')).toBe(40);
  });

  it('never fails with anything but a ConvertError on random or mutated headers', () => {
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const valid = encodeSafetensorsHeader([
      { name: 'w', dtype: 'F32', shape: [4, 4] },
      { name: 'b', dtype: 'BF16', shape: [4] },
    ]).subarray(8);
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.from(valid);
      const edits = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < edits; k++) buf[Math.floor(rnd() * buf.length)] = Math.floor(rnd() * 256);
      const code = codeOf(() => parseHeaderJson(buf, 72, 'fuzz'));
      expect(['ok', 'CONVERT_BAD_SAFETENSORS', 'CONVERT_TRUNCATED']).toContain(code);
    }
  });
});

describe('SafetensorsFile', () => {
  let dir = '';
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'st-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips written tensors and reads slices at offsets', async () => {
    const p = join(dir, 'a.safetensors');
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    await writeSafetensors(p, [
      { name: 'x', dtype: 'F32', shape: [2, 3], chunks: async function* () { yield new Uint8Array(data.buffer); } },
      { name: 'y', dtype: 'F16', shape: [1], chunks: async function* () { yield new Uint8Array([0x00, 0x3c]); } },
    ]);
    const f = await SafetensorsFile.open(p);
    try {
      expect(f.header.dataStart % 8).toBe(0);
      expect(f.entry('x')).toMatchObject({ dtype: 'F32', shape: [2, 3] });
      const slice = await f.readBytes('x', 12, 8);
      expect(Array.from(new Float32Array(Uint8Array.from(slice).buffer))).toEqual([4, 5]);
      expect(Array.from(await f.readBytes('y', 0, 2))).toEqual([0x00, 0x3c]);
      await expect(f.readBytes('z', 0, 1)).rejects.toMatchObject({ code: 'CONVERT_TENSOR_MISMATCH' });
    } finally {
      await f.close();
    }
  });

  it('reports a missing file and a file too short for its header with typed errors', async () => {
    await expect(SafetensorsFile.open(join(dir, 'nope.safetensors'))).rejects.toMatchObject({ code: 'CONVERT_MISSING_FILE' });
    const p = join(dir, 'short.safetensors');
    writeFileSync(p, Buffer.from([1, 2, 3]));
    await expect(SafetensorsFile.open(p)).rejects.toMatchObject({ code: 'CONVERT_BAD_SAFETENSORS' });
  });
});
