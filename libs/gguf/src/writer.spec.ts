import { GGMLType } from '@tessera/native';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGGUF } from './build-gguf';
import { GGUFError } from './errors';
import { GGUFMetadata } from './metadata';
import { parseGGUF } from './reader';
import { everyValueType } from './test-fixtures';
import { GGUFValueType, ggufValue as v } from './values';
import { GGUFWriter } from './writer';

const tensors = [
  { name: 'a', dims: [5], type: GGMLType.F32, data: Buffer.alloc(20, 1) },
  { name: 'b', dims: [32, 3], type: GGMLType.Q8_0, data: Buffer.alloc(102, 2) },
  { name: 'c', dims: [2, 2], type: GGMLType.F16, data: Buffer.alloc(8, 3) },
];

describe('GGUFWriter', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gguf-write-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function writeAll(path: string, kv: GGUFMetadata, opts = {}): Promise<Buffer> {
    const w = await GGUFWriter.create(path, opts, kv);
    for (const t of tensors) w.addTensor(t);
    await w.writeTensor('a', tensors[0].data);
    await w.writeTensor('b', async () => tensors[1].data);
    await w.writeTensor('c', (async function* () {
      yield tensors[2].data.subarray(0, 3);
      yield tensors[2].data.subarray(3);
    })());
    await w.finish();
    return readFileSync(path);
  }

  it('streams the same bytes as the in-memory builder, readable back with every value intact', async () => {
    const path = join(dir, 'm.gguf');
    const bytes = await writeAll(path, everyValueType());
    expect(bytes.equals(buildGGUF(everyValueType(), tensors))).toBe(true);
    const f = parseGGUF(bytes);
    expect(f.kv.list()).toEqual(everyValueType().list());
    for (const [i, t] of f.tensors.entries()) {
      expect(bytes.subarray(t.absoluteOffset, t.absoluteOffset + t.nBytes).equals(tensors[i].data)).toBe(true);
    }
  });

  it('pads the header and every tensor, the last one included, with zeros', async () => {
    const bytes = await writeAll(join(dir, 'p.gguf'), new GGUFMetadata());
    const f = parseGGUF(bytes);
    expect(f.dataOffset % 32).toBe(0);
    expect(bytes.subarray(f.headerEnd, f.dataOffset).every((b) => b === 0)).toBe(true);
    expect(f.tensors.map((t) => t.offset)).toEqual([0, 32, 160]);
    expect(bytes.length).toBe(f.dataOffset + 192);
    const c = f.tensors[2];
    expect(bytes.subarray(c.absoluteOffset + c.nBytes).every((b) => b === 0)).toBe(true);
  });

  it('uses general.alignment and rejects an alignment option that contradicts it', async () => {
    const kv = new GGUFMetadata().set('general.alignment', v.u32(64));
    const f = parseGGUF(await writeAll(join(dir, 'a64.gguf'), kv));
    expect(f.tensors.map((t) => t.offset)).toEqual([0, 64, 192]);
    await expect(writeAll(join(dir, 'x.gguf'), kv, { alignment: 32 })).rejects.toMatchObject({ code: 'EBADALIGN' });
    await expect(writeAll(join(dir, 'y.gguf'), new GGUFMetadata(), { alignment: 64 })).rejects.toMatchObject({ code: 'EBADALIGN' });
    expect(readdirSync(dir)).toEqual(['a64.gguf']);
  });

  it('writes through a hidden temp file and renames only on finish', async () => {
    const path = join(dir, 'model.gguf');
    const w = await GGUFWriter.create(path);
    w.addTensor(tensors[0]);
    await w.writeTensor('a', tensors[0].data);
    const names = readdirSync(dir);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(new RegExp(`^\\.model\\.gguf\\.tmp-${process.pid}-[0-9a-f]+$`));
    expect(existsSync(path)).toBe(false);
    const result = await w.finish();
    expect(readdirSync(dir)).toEqual(['model.gguf']);
    expect(result).toEqual({ path, size: readFileSync(path).length, sha256: undefined });
  });

  it('abort() removes the temp file and leaves no final file', async () => {
    const w = await GGUFWriter.create(join(dir, 'gone.gguf'));
    w.addTensor(tensors[0]);
    await w.writeTensor('a', tensors[0].data);
    await w.abort();
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
    await expect(w.finish()).rejects.toMatchObject({ code: 'ESTATE' });
  });

  it.each([
    ['too few bytes', Buffer.alloc(19), 'ESIZE'],
    ['too many bytes', Buffer.alloc(21), 'ESIZE'],
    ['a failing producer', async () => Promise.reject(new Error('boom')), undefined],
  ])('an error (%s) removes the temp file', async (_what, data, code) => {
    const w = await GGUFWriter.create(join(dir, 'bad.gguf'));
    w.addTensor(tensors[0]);
    const p = w.writeTensor('a', data as Buffer);
    if (code) await expect(p).rejects.toMatchObject({ code });
    else await expect(p).rejects.toThrow('boom');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('enforces declaration order, completeness and a fixed header', async () => {
    const w = await GGUFWriter.create(join(dir, 'o.gguf'));
    w.addTensor(tensors[0]);
    w.addTensor(tensors[1]);
    await expect(w.writeTensor('b', tensors[1].data)).rejects.toMatchObject({ code: 'ESTATE' });
    const w2 = await GGUFWriter.create(join(dir, 'o2.gguf'));
    w2.addTensor(tensors[0]);
    w2.addTensor(tensors[1]);
    await w2.writeTensor('a', tensors[0].data);
    expect(() => w2.setKV('k', v.u32(1))).toThrow(expect.objectContaining({ code: 'ESTATE' }));
    expect(() => w2.addTensor(tensors[2])).toThrow(expect.objectContaining({ code: 'ESTATE' }));
    await expect(w2.finish()).rejects.toMatchObject({ code: 'ESTATE' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('validates tensor specs when they are added', async () => {
    const w = await GGUFWriter.create(join(dir, 'v.gguf'));
    const bad: [object, string][] = [
      [{ name: 'n'.repeat(64), dims: [4], type: GGMLType.F32 }, 'EBADNAME'],
      [{ name: 'd', dims: [1, 1, 1, 1, 1], type: GGMLType.F32 }, 'EBADDIMS'],
      [{ name: 'd', dims: [-1], type: GGMLType.F32 }, 'EBADDIMS'],
      [{ name: 't', dims: [32], type: 4 }, 'EBADTENSORTYPE'],
      [{ name: 's', dims: [16], type: GGMLType.Q4_0 }, 'EBADSHAPE'],
    ];
    for (const [spec, code] of bad) expect(() => w.addTensor(spec as never)).toThrow(expect.objectContaining({ code }));
    w.addTensor(tensors[0]);
    expect(() => w.addTensor(tensors[0])).toThrow(expect.objectContaining({ code: 'EDUPTENSOR' }));
    await w.abort();
  });

  it('writes dims exactly as given (n_dims is not trimmed implicitly)', async () => {
    const w = await GGUFWriter.create(join(dir, 'd.gguf'));
    w.addTensor({ name: 'x', dims: [4, 1], type: GGMLType.F32 });
    await w.writeTensor('x', Buffer.alloc(16));
    await w.finish();
    expect(parseGGUF(readFileSync(join(dir, 'd.gguf'))).tensors[0].dims).toEqual([4, 1]);
  });

  it('writes a tensor-less file with the header padded, like ggml', async () => {
    const kv = new GGUFMetadata().set('general.architecture', v.string('llama'));
    const w = await GGUFWriter.create(join(dir, 'e.gguf'), { version: 2, sha256: true }, kv);
    const { size, sha256 } = await w.finish();
    const bytes = readFileSync(join(dir, 'e.gguf'));
    expect(size % 32).toBe(0);
    expect(sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const f = parseGGUF(bytes);
    expect([f.version, f.kv.getString('general.architecture')]).toEqual([2, 'llama']);
  });

  it('copies the metadata it is given and moves re-set keys to the end', async () => {
    const kv = new GGUFMetadata().set('a', v.u32(1)).set('b', v.u32(2));
    const w = await GGUFWriter.create(join(dir, 'k.gguf'), {}, kv);
    kv.set('c', v.u32(3));
    w.setKV('a', v.u64(9n));
    await w.finish();
    const f = parseGGUF(readFileSync(join(dir, 'k.gguf')));
    expect(f.kv.list()).toEqual([
      { key: 'b', value: v.u32(2) },
      { key: 'a', value: { type: GGUFValueType.UINT64, value: 9n } },
    ]);
  });

  it('rejects bad versions and missing directories before writing', async () => {
    await expect(GGUFWriter.create(join(dir, 'v.gguf'), { version: 4 as 3 })).rejects.toBeInstanceOf(GGUFError);
    await expect(GGUFWriter.create(join(dir, 'missing-dir', 'x.gguf'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
