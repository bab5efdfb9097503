import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobStore } from './blob-store';

const digestOf = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('BlobStore', () => {
  let root: string;
  let blobs: BlobStore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tessera-blobs-'));
    blobs = new BlobStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('stores a stream under its sha256 and leaves no temp file', async () => {
    const bytes = Buffer.from('hello model store '.repeat(1000));
    const info = await blobs.ingestStream(chunks(bytes, 777));
    expect(info).toEqual({ digest: digestOf(bytes), size: bytes.length });
    expect(readFileSync(blobs.pathOf(info.digest))).toEqual(bytes);
    expect(blobs.pathOf(info.digest)).toContain(join('blobs', 'sha256', info.digest.slice(7, 9)));
    expect(readdirSync(blobs.tmpDir)).toEqual([]);
    expect(await blobs.list()).toEqual([info.digest]);
  });

  it('rejects a stream over the size limit and removes what it wrote', async () => {
    const bytes = Buffer.alloc(5000, 1);
    await expect(blobs.ingestStream(chunks(bytes, 1000), { maxBytes: 4096 })).rejects.toMatchObject({ code: 'STORE_TOO_LARGE' });
    expect(readdirSync(blobs.tmpDir)).toEqual([]);
    expect(await blobs.list()).toEqual([]);
  });

  it('rejects content whose hash differs from the announced one', async () => {
    const bytes = Buffer.from('abc');
    const wrong = digestOf(Buffer.from('abd'));
    await expect(blobs.ingestStream(Readable.from([bytes]), { expectedDigest: wrong })).rejects.toMatchObject({ code: 'STORE_CHECKSUM_MISMATCH' });
    expect(await blobs.list()).toEqual([]);
  });

  it('lets concurrent writers of the same content finish with one intact blob', async () => {
    const bytes = Buffer.from(Array.from({ length: 300000 }, (_, i) => (i * 31) & 0xff));
    const results = await Promise.all(Array.from({ length: 6 }, () => blobs.ingestStream(chunks(bytes, 4096))));
    expect(new Set(results.map((r) => r.digest))).toEqual(new Set([digestOf(bytes)]));
    expect(readFileSync(blobs.pathOf(digestOf(bytes)))).toEqual(bytes);
    expect(readdirSync(blobs.tmpDir)).toEqual([]);
  });

  it('lists temp files, with no tmp directory yet meaning none', async () => {
    expect(await blobs.temps()).toEqual([]);
    const slow = (async function* () {
      yield Buffer.from('first half ');
      expect(await blobs.temps()).toEqual([expect.stringMatching(/\.partial$/)]);
      yield Buffer.from('second half');
    })();
    await blobs.ingestStream(slow);
    expect(await blobs.temps()).toEqual([]);
  });

  it('moves a finished file into the store by its hash', async () => {
    const p = join(root, 'model.gguf');
    writeFileSync(p, 'GGUF bytes');
    const info = await blobs.ingestFile(p);
    expect(info.digest).toBe(digestOf(Buffer.from('GGUF bytes')));
    expect(readdirSync(root)).not.toContain('model.gguf');
    expect(await blobs.has(info.digest)).toBe(true);
  });

  it('refuses digests that are not sha256 hex (no path tricks)', () => {
    expect(() => blobs.pathOf('sha256:../../etc/passwd')).toThrow(expect.objectContaining({ code: 'STORE_BAD_NAME' }));
    expect(() => blobs.pathOf('md5:abc')).toThrow(/not a digest/);
  });
});
