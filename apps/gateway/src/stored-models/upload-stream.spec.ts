import { Readable } from 'node:stream';
import { ApiError } from '../common/api-error';
import { requireGgufMagic, uploadStream } from './upload-stream';
import { snakeKeys } from './snake-case';

async function collect(chunks: string[]): Promise<string> {
  let out = '';
  for await (const c of requireGgufMagic(Readable.from(chunks.map((s) => Buffer.from(s))))) out += Buffer.from(c).toString('latin1');
  return out;
}

describe('requireGgufMagic', () => {
  it('passes a GGUF stream through unchanged, even when the magic is split across chunks', async () => {
    expect(await collect(['GGUF', 'rest'])).toBe('GGUFrest');
    expect(await collect(['GG', 'U', 'Fxyz', 'more'])).toBe('GGUFxyzmore');
  });

  it.each([[['PK\x03\x04zip']], [['GG']], [[]]])('rejects %j with a 400', async (chunks) => {
    await expect(collect(chunks)).rejects.toThrow(/not a GGUF file/);
    await expect(collect(chunks)).rejects.toBeInstanceOf(ApiError);
  });
});

describe('uploadStream', () => {
  it('accepts a stream and explains how to send one otherwise', () => {
    const s = Readable.from([]);
    expect(uploadStream(s)).toBe(s);
    expect(() => uploadStream({ some: 'json' })).toThrow(/application\/octet-stream/);
  });
});

describe('snakeKeys', () => {
  it('converts keys deeply, leaving values alone', () => {
    expect(snakeKeys({ meanKld: 1, rows: [{ bitsPerWeight: 2, tag: 'q4_K' }], sweepId: 'aB' })).toEqual({ mean_kld: 1, rows: [{ bits_per_weight: 2, tag: 'q4_K' }], sweep_id: 'aB' });
  });
});
