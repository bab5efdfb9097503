import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthHfModel } from '@tessera/convert';
import { startHubServer } from '../test-utils/hub-server';
import { downloadHubRepo } from './hub-download';

// Compared by hash: Jest's toEqual walks megabyte buffers byte by byte, for tens of seconds.
const digestOf = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('downloadHubRepo', () => {
  let base: string;
  let model: string;
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'tessera-hub-'));
    model = join(base, 'model');
    await synthHfModel(model, { preset: 'micro', seed: 3, dtype: 'f16', shards: 2 });
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('downloads every model file through a custom endpoint with a token, resuming a dropped connection', async () => {
    const hub = await startHubServer({ repo: 'acme/micro', dir: model, token: 'sekrit', dropOnce: '00001-of-00002.safetensors', tags: ['v1'] });
    try {
      const dest = join(base, 'dl1');
      const progress: number[] = [];
      const got = await downloadHubRepo('acme/micro', 'v1', dest, { endpoint: hub.url, token: 'sekrit', onProgress: (p) => progress.push(p.bytesDone) });
      expect(got.commit).toBe(hub.commit);
      expect(got.resumes).toBe(1);
      expect(hub.resumedRequests).toEqual([expect.stringMatching(/^model-00001-of-00002\.safetensors@\d+$/)]);
      for (const f of readdirSync(model)) expect([f, digestOf(join(dest, f))]).toEqual([f, digestOf(join(model, f))]);
      expect(readdirSync(dest).filter((f) => f.endsWith('.partial'))).toEqual([]);
      expect(progress.at(-1)).toBe(got.files.reduce((n, f) => n + f.size, 0));
    } finally {
      await hub.close();
    }
  });

  it('fetches a file again from the start when bytes kept from an earlier attempt spoil it', async () => {
    const hub = await startHubServer({ repo: 'acme/micro', dir: model });
    try {
      const dest = join(base, 'dl5');
      const shard = 'model-00001-of-00002.safetensors';
      mkdirSync(dest, { recursive: true });
      // What a crashed attempt against an older commit might have left: right length so far, other bytes.
      writeFileSync(join(dest, `${shard}.partial`), Buffer.alloc(4096, 7));
      const got = await downloadHubRepo('acme/micro', 'main', dest, { endpoint: hub.url });
      expect(got.resumes).toBe(1);
      expect(hub.resumedRequests).toEqual([`${shard}@4096`]);
      expect(digestOf(join(dest, shard))).toBe(digestOf(join(model, shard)));
      expect(readdirSync(dest).filter((f) => f.endsWith('.partial'))).toEqual([]);
    } finally {
      await hub.close();
    }
  });

  it('rejects a file whose bytes do not match the checksum, keeping nothing of it', async () => {
    const hub = await startHubServer({ repo: 'acme/micro', dir: model, corrupt: '00002-of-00002.safetensors' });
    try {
      const dest = join(base, 'dl2');
      await expect(downloadHubRepo('acme/micro', 'main', dest, { endpoint: hub.url, attempts: 2 })).rejects.toMatchObject({ code: 'STORE_CHECKSUM_MISMATCH' });
      expect(readdirSync(dest).filter((f) => f.startsWith('model-00002'))).toEqual([]);
    } finally {
      await hub.close();
    }
  });

  it('names the revision when the hub does not know it', async () => {
    const hub = await startHubServer({ repo: 'acme/micro', dir: model });
    try {
      await expect(downloadHubRepo('acme/micro', 'v9', join(base, 'dl4'), { endpoint: hub.url })).rejects.toMatchObject({
        code: 'STORE_HUB_FAILED',
        message: expect.stringMatching(/acme\/micro@v9.*check the repository name and revision/),
      });
      await expect(downloadHubRepo('acme/other', 'main', join(base, 'dl4'), { endpoint: hub.url })).rejects.toMatchObject({ code: 'STORE_HUB_FAILED' });
    } finally {
      await hub.close();
    }
  });

  it('says to check the token when the hub refuses it', async () => {
    const hub = await startHubServer({ repo: 'acme/micro', dir: model, token: 'right' });
    try {
      await expect(downloadHubRepo('acme/micro', 'main', join(base, 'dl3'), { endpoint: hub.url, token: 'wrong' })).rejects.toThrow(/HF_TOKEN/);
    } finally {
      await hub.close();
    }
  });
});
