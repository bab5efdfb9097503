import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ModelStore } from './model-store';
import { checkName } from './names';

describe('ModelStore', () => {
  let root: string;
  let store: ModelStore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tessera-store-'));
    store = new ModelStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('names blobs with manifests, per team, and lists them', async () => {
    const { digest } = await store.blobs.ingestStream(Readable.from([Buffer.from('weights')]));
    const m = await store.tag({ team: 'acme', name: 'llama', tag: 'q4_k_m', digest, format: 'gguf', preset: 'Q4_K_M' });
    expect(m).toMatchObject({ schema: 1, size: 7, team: 'acme', digest });
    await store.addMetrics('acme', 'llama', 'q4_k_m', { kld: 0.01 });
    expect((await store.manifests.get('acme', 'llama', 'q4_k_m')).metrics).toEqual({ kld: 0.01 });
    expect(await store.manifests.list('acme')).toHaveLength(1);
    expect(await store.manifests.list('other')).toEqual([]);
    await expect(store.manifests.get('other', 'llama', 'q4_k_m')).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
  });

  it('deletes a blob only when no manifest names it any more', async () => {
    const { digest } = await store.blobs.ingestStream(Readable.from([Buffer.from('shared')]));
    await store.tag({ team: 'a', name: 'm', tag: 'one', digest, format: 'gguf' });
    await store.tag({ team: 'b', name: 'm', tag: 'two', digest, format: 'gguf' });
    await store.removeModel('a', 'm', 'one');
    expect(await store.blobs.has(digest)).toBe(true);
    await store.removeModel('b', 'm', 'two');
    expect(await store.blobs.has(digest)).toBe(false);
  });

  it('refuses to name a blob that is not stored', async () => {
    await expect(store.tag({ team: 'a', name: 'm', tag: 't', digest: `sha256:${'0'.repeat(64)}`, format: 'gguf' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
  });

  it.each(['..', '../x', 'a/b', '.hidden', '', 'x'.repeat(65), 'a..b', 'a\\b', 'ü'])('rejects the name %j', (bad) => {
    expect(() => checkName('model name', bad)).toThrow(expect.objectContaining({ code: 'STORE_BAD_NAME' }));
  });

  it('keeps traversal names away from the filesystem', async () => {
    await expect(store.manifests.list('../..')).rejects.toMatchObject({ code: 'STORE_BAD_NAME' });
    await expect(store.freshWorkDir('../escape')).rejects.toMatchObject({ code: 'STORE_BAD_NAME' });
    await expect(store.readReport('acme', '../../x', 'json')).rejects.toMatchObject({ code: 'STORE_BAD_NAME' });
  });

  it('gives a job an empty work directory, clearing what a crashed run left', async () => {
    const dir = await store.freshWorkDir('quantize.abc');
    writeFileSync(join(dir, 'half-written.gguf'), 'x');
    const again = await store.freshWorkDir('quantize.abc');
    expect(readdirSync(again)).toEqual([]);
    await store.removeWorkDir('quantize.abc');
    expect(await store.workDirs()).toEqual([]);
  });

  it('writes and reads reports', async () => {
    await store.writeReport('acme', 'sweep1', { json: { ok: true }, svg: '<svg/>' });
    expect(JSON.parse((await store.readReport('acme', 'sweep1', 'json'))!)).toEqual({ ok: true });
    expect(await store.readReport('acme', 'sweep1', 'svg')).toBe('<svg/>');
    expect(await store.readReport('acme', 'nope', 'svg')).toBeUndefined();
  });
});
