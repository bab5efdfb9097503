// Every reference file must survive read → write byte for byte: proves the
// reader keeps every value's exact type and the writer's layout matches ggml's.

import { GGMLType } from '@tessera/native';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGGUF } from './reader';
import { OpenGGUF } from './open-gguf';
import { GGUFWriter } from './writer';

const GOLDEN = join(__dirname, '../../../../shared/golden/micro');
const files = readdirSync(GOLDEN).filter((f) => f.endsWith('.gguf')).sort();

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

describe('golden micro files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gguf-rt-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has the reference files', () => {
    expect(files.length).toBeGreaterThanOrEqual(19);
  });

  it('reads the f32 source with the expected shape and metadata', async () => {
    const f = await readGGUF(join(GOLDEN, 'micro-f32.gguf'));
    expect(f.version).toBe(3);
    expect(f.alignment).toBe(32);
    expect(f.kv.getString('general.architecture')).toBe('llama');
    expect(f.kv.getU32('llama.block_count')).toBe(2);
    expect(f.kv.getStringArray('tokenizer.ggml.tokens')).toHaveLength(512);
    const embd = f.tensorsByName.get('token_embd.weight')!;
    expect(embd.dims).toEqual([256, 512]);
    expect(embd.type).toBe(GGMLType.F32);
    expect(embd.nBytes).toBe(256 * 512 * 4);
    expect(f.dataOffset % 32).toBe(0);
    expect(f.dataOffset + f.dataSize).toBe(f.fileSize);
  });

  it.each(files)('%s: read → write reproduces the file byte for byte', async (name) => {
    const src = join(GOLDEN, name);
    const input = await OpenGGUF.open(src, { chunkSize: 4096 });
    const { file } = input;
    const out = join(dir, name);
    const writer = await GGUFWriter.create(out, { alignment: file.alignment, version: file.version as 2 | 3, sha256: true }, file.kv);
    writer.addTensors(file.tensors);
    try {
      for (const t of file.tensors) await writer.writeTensor(t.name, () => input.readTensor(t));
    } finally {
      await input.close();
    }
    const result = await writer.finish();
    const original = readFileSync(src);
    const copy = readFileSync(out);
    expect(copy.length).toBe(original.length);
    expect(sha256(copy)).toBe(sha256(original));
    expect(result.sha256).toBe(sha256(original));
    expect(result.size).toBe(original.length);
  });
});
