import { GGMLType } from '@tessera/native';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GGUFError, GGUFErrorCode } from './errors';
import { OpenGGUF } from './open-gguf';
import { parseGGUF, readGGUF } from './reader';
import { RawGGUF, everyValueType, tinyGGUF } from './test-fixtures';
import { GGUFValueType } from './values';

function failure(bytes: Uint8Array, opts?: { fileSize?: number }): GGUFError {
  try {
    parseGGUF(bytes, opts);
  } catch (err) {
    if (err instanceof GGUFError) return err;
    throw err;
  }
  throw new Error('parse unexpectedly succeeded');
}

function expectCode(bytes: Uint8Array, code: GGUFErrorCode, offset?: number): GGUFError {
  const err = failure(bytes);
  expect(err.code).toBe(code);
  if (offset !== undefined) expect(err.offset).toBe(offset);
  expect(err.message).toContain(`at byte ${err.offset}`);
  return err;
}

/** A header with one valid key and the given tensor infos, padded, with `dataBytes` zero bytes of data. */
function withTensors(infos: (r: RawGGUF) => RawGGUF, nTensors: number, dataBytes: number): Buffer {
  return infos(new RawGGUF().header(nTensors, 1).kvString('general.architecture', 'llama'))
    .pad(32)
    .zeros(dataBytes)
    .build();
}

describe('parseGGUF on valid input', () => {
  it('reads every value type with its exact type and value', () => {
    const f = parseGGUF(tinyGGUF());
    expect(f.kv.list()).toEqual(everyValueType().list());
    expect(f.kv.get('t.u64')).toEqual({ type: GGUFValueType.UINT64, value: 18446744073709551615n });
    expect(f.kv.getString('t.str').charCodeAt(0)).toBe(0xfeff);
  });

  it('places tensors contiguously with padding and reports sizes', () => {
    const f = parseGGUF(tinyGGUF());
    expect(f.tensors.map((t) => [t.name, t.dims, t.type, t.offset, t.nBytes])).toEqual([
      ['norm.weight', [8], GGMLType.F32, 0, 32],
      ['blk.0.w', [32, 2], GGMLType.Q4_0, 32, 36],
      ['half', [3, 1, 2], GGMLType.F16, 96, 12],
      ['k', [256], GGMLType.Q4_K, 128, 144],
    ]);
    expect(f.dataOffset % 32).toBe(0);
    expect(f.dataOffset).toBeGreaterThanOrEqual(f.headerEnd);
    expect(f.tensors[1].absoluteOffset).toBe(f.dataOffset + 32);
    expect(f.dataSize).toBe(288);
    expect(f.fileSize).toBe(f.dataOffset + 288);
  });

  it('honours general.alignment', () => {
    const f = parseGGUF(tinyGGUF(64));
    expect(f.alignment).toBe(64);
    expect(f.tensors.map((t) => t.offset)).toEqual([0, 64, 128, 192]);
  });

  it('accepts version 2 and a file without tensors (no data padding needed)', () => {
    const bytes = new RawGGUF().header(0, 1, 2).kvU32('a', 7).build();
    const f = parseGGUF(bytes);
    expect(f.version).toBe(2);
    expect(f.dataOffset).toBe(bytes.length);
    expect(f.tensors).toEqual([]);
  });

  it('checks tensor bounds against fileSize when given only the header region', () => {
    const full = tinyGGUF();
    const head = full.subarray(0, parseGGUF(full).dataOffset);
    expect(parseGGUF(head, { fileSize: full.length }).tensors).toHaveLength(4);
    expect(failure(head).code).toBe('ETRUNCATED');
    expect(parseGGUF(head, { checkData: false }).tensors).toHaveLength(4);
  });

  it('rejects a fileSize smaller than the buffer', () => {
    expect(() => parseGGUF(new Uint8Array(10), { fileSize: 5 })).toThrow(RangeError);
  });
});

describe('parseGGUF rejects', () => {
  it('EBADMAGIC', () => {
    const b = new RawGGUF().header(0, 0).build();
    b[3] = 0x58;
    expect(expectCode(b, 'EBADMAGIC', 0).message).toContain("'GGUX'");
  });

  it.each([0, 1, 4, 0xffff])('EBADVERSION for version %d', (version) => {
    expectCode(new RawGGUF().header(0, 0, version).build(), 'EBADVERSION', 4);
  });

  it('EBADENDIAN for a byte-swapped version', () => {
    expectCode(new RawGGUF().header(0, 0, 0x03000000).build(), 'EBADENDIAN', 4);
  });

  it('ETRUNCATED at every prefix of a valid file', () => {
    const full = tinyGGUF();
    const last = parseGGUF(full).tensors[3];
    // Cutting only the final padding is fine (llama.cpp checks each tensor's bytes, not the padding).
    expect(parseGGUF(full.subarray(0, last.absoluteOffset + last.nBytes)).tensors).toHaveLength(4);
    for (let n = 0; n < last.absoluteOffset + last.nBytes; n++) {
      const err = failure(full.subarray(0, n));
      // Counts the remaining bytes cannot hold (EBADCOUNT) are how a cut is seen before the records.
      expect([n, err.code === 'EBADCOUNT' ? 'ETRUNCATED' : err.code]).toEqual([n, 'ETRUNCATED']);
      expect(err.offset).toBeLessThanOrEqual(n);
    }
  });

  it('EBADCOUNT for negative or impossible counts, before allocating', () => {
    expectCode(new RawGGUF().header(-1, 0).build(), 'EBADCOUNT', 8);
    expectCode(new RawGGUF().header(0, -5).build(), 'EBADCOUNT', 16);
    expectCode(new RawGGUF().header(2n ** 62n, 0).zeros(100).build(), 'EBADCOUNT', 8);
    expectCode(new RawGGUF().header(0, 8).kvU32('a', 1).build(), 'EBADCOUNT', 8);
  });

  it('ETOOLARGE for a string over 1 GiB and an array over 2^30 elements', () => {
    expectCode(new RawGGUF().header(0, 1).u64(2 ** 30 + 1).zeros(16).build(), 'ETOOLARGE', 24);
    const arr = new RawGGUF().header(0, 1).str('k').i32(GGUFValueType.ARRAY).i32(GGUFValueType.UINT8).u64(2 ** 30 + 1).zeros(16);
    expectCode(arr.build(), 'ETOOLARGE', 24 + 9 + 8);
  });

  it('ETRUNCATED when a string or array claims more than the file holds', () => {
    expectCode(new RawGGUF().header(0, 1).u64(1000).zeros(20).build(), 'ETRUNCATED', 24);
    const arr = new RawGGUF().header(0, 1).str('k').i32(GGUFValueType.ARRAY).i32(GGUFValueType.STRING).u64(1000).zeros(16);
    expectCode(arr.build(), 'ETRUNCATED', 41);
  });

  it('EEMPTYKEY and EDUPKEY', () => {
    expectCode(new RawGGUF().header(0, 1).kvU32('', 1).build(), 'EEMPTYKEY', 24);
    const dup = new RawGGUF().header(0, 2).kvU32('a', 1).kvU32('a', 2).build();
    expectCode(dup, 'EDUPKEY', 24 + 17);
  });

  it.each([13, -1, 1000])('EBADTYPE for value type %d', (type) => {
    expectCode(new RawGGUF().header(0, 1).str('a').i32(type).u32(0).build(), 'EBADTYPE', 33);
  });

  it('EBADTYPE for nested arrays and bad element types', () => {
    const nested = new RawGGUF().header(0, 1).str('a').i32(GGUFValueType.ARRAY).i32(GGUFValueType.ARRAY).u64(0).build();
    expect(expectCode(nested, 'EBADTYPE', 37).message).toContain('nested');
    const bad = new RawGGUF().header(0, 1).str('a').i32(GGUFValueType.ARRAY).i32(99).u64(0).build();
    expectCode(bad, 'EBADTYPE', 37);
  });

  it('EBADUTF8 in keys, values, array elements and tensor names', () => {
    const invalid = Uint8Array.from([0x61, 0xc3, 0x28]);
    expectCode(new RawGGUF().header(0, 1).str(invalid).i32(0).u8(0).build(), 'EBADUTF8', 32);
    expectCode(new RawGGUF().header(0, 1).kvString('k', Uint8Array.from([0xed, 0xa0, 0x80])).build(), 'EBADUTF8', 45);
    const arr = new RawGGUF().header(0, 1).str('k').i32(GGUFValueType.ARRAY).i32(GGUFValueType.STRING).u64(2).str('ok').str(Uint8Array.from([0xff]));
    expectCode(arr.build(), 'EBADUTF8', 24 + 9 + 16 + 10 + 8);
    expectCode(withTensors((r) => r.tensorInfo(Uint8Array.from([0x80]), [4], GGMLType.F32, 0), 1, 32), 'EBADUTF8');
  });

  it('EBADALIGN for a wrong type, zero or a non-power of two', () => {
    const u64 = new RawGGUF().header(0, 1).str('general.alignment').i32(GGUFValueType.UINT64).u64(32).build();
    expectCode(u64, 'EBADALIGN', 24);
    expectCode(new RawGGUF().header(0, 1).kvU32('general.alignment', 0).build(), 'EBADALIGN', 24);
    expectCode(new RawGGUF().header(0, 1).kvU32('general.alignment', 48).build(), 'EBADALIGN', 24);
  });

  it('EBADNAME for a 64-byte tensor name (63 is fine)', () => {
    const ok = withTensors((r) => r.tensorInfo('x'.repeat(63), [4], GGMLType.F32, 0), 1, 32);
    expect(parseGGUF(ok).tensors[0].name).toHaveLength(63);
    expectCode(withTensors((r) => r.tensorInfo('x'.repeat(64), [4], GGMLType.F32, 0), 1, 32), 'EBADNAME');
  });

  it('EDUPTENSOR, comparing names up to a NUL as ggml does', () => {
    const b = withTensors((r) => r.tensorInfo('t', [8], GGMLType.F32, 0).tensorInfo('t', [8], GGMLType.F32, 32), 2, 64);
    expectCode(b, 'EDUPTENSOR', 24 + 45 + 33);
    const nul = withTensors((r) => r.tensorInfo('t\0a', [8], GGMLType.F32, 0).tensorInfo('t\0b', [8], GGMLType.F32, 32), 2, 64);
    expectCode(nul, 'EDUPTENSOR');
  });

  it('EBADDIMS for too many dims, negative dims and element-count overflow', () => {
    expectCode(withTensors((r) => r.tensorInfo('t', [1, 1, 1, 1, 1], GGMLType.F32, 0), 1, 32), 'EBADDIMS');
    expectCode(withTensors((r) => r.tensorInfo('t', [4, -1], GGMLType.F32, 0), 1, 32), 'EBADDIMS');
    expectCode(withTensors((r) => r.tensorInfo('t', [2 ** 31, 2 ** 31, 2 ** 31], GGMLType.F32, 0), 1, 32), 'EBADDIMS');
  });

  it('ETOOLARGE for a dimension beyond 2^53', () => {
    expectCode(withTensors((r) => r.tensorInfo('t', [2n ** 60n, 0], GGMLType.F32, 0), 1, 32), 'ETOOLARGE');
  });

  it.each([4, 5, 31, 33, 36, 38, 43, -1, 1 << 30])('EBADTENSORTYPE for removed or unknown type %d', (type) => {
    expectCode(withTensors((r) => r.tensorInfo('t', [256], type, 0), 1, 2048), 'EBADTENSORTYPE');
  });

  it('EBADSHAPE when the row is not a multiple of the block size', () => {
    expectCode(withTensors((r) => r.tensorInfo('t', [16, 2], GGMLType.Q4_0, 0), 1, 64), 'EBADSHAPE');
  });

  it('EBADOFFSET for gaps, reordering and missing padding', () => {
    const info = (o1: number, o2: number) => (r: RawGGUF) => r.tensorInfo('a', [4], GGMLType.F32, o1).tensorInfo('b', [4], GGMLType.F32, o2);
    expect(parseGGUF(withTensors(info(0, 32), 2, 64)).tensors[1].offset).toBe(32);
    expectCode(withTensors(info(0, 64), 2, 128), 'EBADOFFSET');
    expectCode(withTensors(info(32, 0), 2, 128), 'EBADOFFSET');
    expectCode(withTensors(info(0, 16), 2, 64), 'EBADOFFSET');
  });

  it('ETRUNCATED when a tensor lies beyond the end of the file', () => {
    const err = expectCode(withTensors((r) => r.tensorInfo('t', [16], GGMLType.F32, 0), 1, 63), 'ETRUNCATED');
    expect(err.message).toContain("tensor 't'");
  });

  it('reports the offset of the failing field', () => {
    const b = withTensors((r) => r.tensorInfo('a', [4], GGMLType.F32, 0).tensorInfo('b', [4], GGMLType.F32, 64), 2, 128);
    const offsetField = 24 + (8 + 20 + 4 + 8 + 5) + (8 + 1 + 4 + 8 + 4 + 8) + (8 + 1 + 4 + 8 + 4);
    expectCode(b, 'EBADOFFSET', offsetField);
  });
});

describe('readGGUF (file, incremental)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gguf-read-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([1, 7, 64, 1 << 20])('matches parseGGUF with chunk size %d', async (chunkSize) => {
    const bytes = tinyGGUF();
    const path = join(dir, `tiny-${chunkSize}.gguf`);
    writeFileSync(path, bytes);
    const f = await readGGUF(path, { chunkSize });
    const m = parseGGUF(bytes);
    expect(f.kv.list()).toEqual(m.kv.list());
    expect(f.tensors).toEqual(m.tensors);
    expect([f.dataOffset, f.dataSize, f.fileSize, f.alignment]).toEqual([m.dataOffset, m.dataSize, m.fileSize, m.alignment]);
  });

  it('reports the same error as parseGGUF for a truncated file', async () => {
    const bytes = tinyGGUF();
    const cut = bytes.subarray(0, bytes.length - 17); // the last 16 bytes are padding
    const path = join(dir, 'cut.gguf');
    writeFileSync(path, cut);
    await expect(readGGUF(path, { chunkSize: 16 })).rejects.toMatchObject({ code: 'ETRUNCATED', offset: failure(cut).offset });
  });

  it('never reads tensor data: a bad data region does not matter', async () => {
    const bytes = tinyGGUF();
    const f = parseGGUF(bytes);
    bytes.fill(0xff, f.dataOffset);
    const path = join(dir, 'data.gguf');
    writeFileSync(path, bytes);
    expect((await readGGUF(path, { chunkSize: 8 })).tensors).toHaveLength(4);
  });

  it('OpenGGUF reads header and tensors from one handle, and rejects non-GGUF files', async () => {
    const path = join(dir, 'open.gguf');
    writeFileSync(path, tinyGGUF());
    const g = await OpenGGUF.open(path, { chunkSize: 5 });
    try {
      const norm = await g.readTensor('norm.weight');
      expect(Array.from(norm.subarray(0, 3))).toEqual([7, 38, 69]);
      const floats = [];
      for await (const { tensor } of g.tensorsF32()) floats.push(tensor.name);
      expect(floats).toEqual(['norm.weight', 'half']);
    } finally {
      await g.close();
    }
    writeFileSync(join(dir, 'text.gguf'), 'hello, this is not a model file');
    await expect(OpenGGUF.open(join(dir, 'text.gguf'))).rejects.toMatchObject({ code: 'EBADMAGIC' });
  });

  it('fails on a missing file with the fs error', async () => {
    await expect(readGGUF(join(dir, 'absent.gguf'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
