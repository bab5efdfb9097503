// Downloads a model repository from a Hugging Face-compatible hub with
// @huggingface/hub (custom endpoint and token). The revision (a branch or tag)
// is first resolved to its commit, and everything is listed and fetched at
// that commit, so a branch moving mid-download cannot mix two versions of
// the model. Files are fetched one at a time into
// <dest>/<path>.partial. A dropped connection resumes with a Range request
// from the bytes already on disk, also across process restarts; each file is
// checked against the hub's checksum (LFS sha256, or the git blob sha1 for
// small files) before it is renamed to its final name. A resumed file that
// fails the check is fetched once more from the start before it counts as
// corrupt, since the bytes kept on disk may be what was wrong.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { downloadFile, listFiles, modelInfo } from '@huggingface/hub';
import { StoreError, throwIfAborted } from '../errors';
import { RepoFile, checkRepoPath, isWanted } from './repo-files';

export interface HubOptions {
  /** Hub base URL (HF_ENDPOINT), default https://huggingface.co. */
  readonly endpoint?: string;
  /** Access token (HF_TOKEN). */
  readonly token?: string;
  readonly signal?: AbortSignal;
  /** Attempts per file before giving up (default 5). */
  readonly attempts?: number;
  /** Refuse repositories whose wanted files add up to more than this. */
  readonly maxBytes?: number;
  readonly onProgress?: (p: HubProgress) => void;
}

export interface HubProgress {
  readonly file: string;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface HubDownload {
  readonly dir: string;
  /** The commit sha the revision resolved to; every file comes from it. */
  readonly commit: string;
  readonly files: RepoFile[];
  /** Connections that dropped and were resumed. */
  readonly resumes: number;
}

const DEFAULT_ENDPOINT = 'https://huggingface.co';

export async function downloadHubRepo(repo: string, revision: string, dest: string, opts: HubOptions = {}): Promise<HubDownload> {
  const hub = { hubUrl: (opts.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, ''), fetch: fetchWith(opts.token, opts.signal) };
  const commit = await resolveCommit(repo, revision, hub);
  const files = await listRepo(repo, commit, hub);
  const bytesTotal = files.reduce((n, f) => n + f.size, 0);
  if (opts.maxBytes !== undefined && bytesTotal > opts.maxBytes) {
    throw new StoreError('STORE_TOO_LARGE', `${repo}@${revision} holds ${bytesTotal} bytes of model files, more than the limit of ${opts.maxBytes}`);
  }
  let done = 0;
  let resumes = 0;
  for (const file of files) {
    throwIfAborted(opts.signal, 'the download');
    const target = join(dest, file.path);
    await mkdir(dirname(target), { recursive: true });
    resumes += await fetchFile(repo, commit, file, target, hub, opts, (n) => opts.onProgress?.({ file: file.path, bytesDone: done + n, bytesTotal }));
    done += file.size;
  }
  return { dir: dest, commit, files, resumes };
}

interface Hub {
  readonly hubUrl: string;
  readonly fetch: typeof fetch;
}

async function resolveCommit(repo: string, revision: string, hub: Hub): Promise<string> {
  let sha: string | undefined;
  try {
    sha = (await modelInfo({ name: repo, revision, additionalFields: ['sha'], ...hub })).sha;
  } catch (err) {
    throw hubError(`cannot resolve ${repo}@${revision}`, err);
  }
  if (typeof sha !== 'string' || !/^[0-9a-f]{40}$/.test(sha)) {
    throw new StoreError('STORE_HUB_FAILED', `the hub answered ${repo}@${revision} without a commit sha; check that HF_ENDPOINT is a Hugging Face-compatible hub`);
  }
  return sha;
}

async function listRepo(repo: string, revision: string, hub: Hub): Promise<RepoFile[]> {
  const files: RepoFile[] = [];
  try {
    for await (const e of listFiles({ repo: { type: 'model', name: repo }, revision, recursive: true, ...hub })) {
      if (e.type !== 'file' || !isWanted(e.path)) continue;
      files.push({ path: checkRepoPath(e.path), size: e.lfs?.size ?? e.size, sha256: e.lfs?.oid, gitOid: e.lfs ? undefined : e.oid });
    }
  } catch (err) {
    throw hubError(`cannot list ${repo}@${revision}`, err);
  }
  if (!files.some((f) => f.path.endsWith('config.json') || f.path.endsWith('.gguf'))) {
    throw new StoreError('STORE_HUB_FAILED', `${repo}@${revision} has neither config.json nor a .gguf file; it is not a model repository we can convert`);
  }
  return files;
}

/**
 * Downloads one file, resuming after drops; resolves to the number of resumes.
 * A file that fails its checksum after any resumed part (bytes kept from an
 * earlier attempt, maybe of another commit, or a torn write) is fetched once
 * more from the start; only a clean full download that fails is corrupt.
 */
async function fetchFile(repo: string, revision: string, file: RepoFile, target: string, hub: Hub, opts: HubOptions, progress: (n: number) => void): Promise<number> {
  if ((await stat(target).catch(() => undefined))?.size === file.size && (await matchesChecksum(target, file))) return 0;
  const partial = `${target}.partial`;
  let resumes = 0;
  for (let restarts = 0; ; restarts++) {
    const resumed = await downloadToPartial(repo, revision, file, partial, hub, opts, progress);
    resumes += resumed;
    if (await matchesChecksum(partial, file)) break;
    await unlink(partial);
    if (resumed === 0 || restarts >= 1) {
      throw new StoreError('STORE_CHECKSUM_MISMATCH', `${file.path} from ${repo}@${revision} does not match the hub's checksum; it was deleted, try again`);
    }
  }
  await rename(partial, target);
  return resumes;
}

/** Fills `partial` up to the file's size, continuing from what it holds; resolves to the number of ranged resumes. */
async function downloadToPartial(repo: string, revision: string, file: RepoFile, partial: string, hub: Hub, opts: HubOptions, progress: (n: number) => void): Promise<number> {
  const attempts = opts.attempts ?? 5;
  let resumes = 0;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(opts.signal, 'the download');
    const have = (await stat(partial).catch(() => undefined))?.size ?? 0;
    if (have > file.size) await unlink(partial);
    else if (have === file.size) return resumes;
    try {
      if (have > 0 && have < file.size) resumes++;
      await appendRange(repo, revision, file, partial, have > file.size ? 0 : have, hub, progress);
    } catch (err) {
      throwIfAborted(opts.signal, 'the download');
      if (attempt >= attempts) throw hubError(`downloading ${file.path} from ${repo}@${revision} failed ${attempts} times`, err);
      await sleep(Math.min(2000, 100 * 2 ** attempt));
    }
  }
}

async function appendRange(repo: string, revision: string, file: RepoFile, partial: string, from: number, hub: Hub, progress: (n: number) => void): Promise<void> {
  const h = await open(partial, 'a');
  try {
    if (file.size === 0) return;
    const blob = await downloadFile({ repo: { type: 'model', name: repo }, path: file.path, revision, xet: false, ...hub });
    if (!blob) throw new StoreError('STORE_HUB_FAILED', `${file.path} is listed but the hub does not serve it`);
    let written = from;
    for await (const chunk of blob.slice(from, file.size).stream() as unknown as AsyncIterable<Uint8Array>) {
      await h.write(chunk);
      written += chunk.byteLength;
      progress(written);
    }
    await h.sync();
    if (written !== file.size) throw new Error(`the connection closed after ${written} of ${file.size} bytes`);
  } finally {
    await h.close();
  }
}

async function matchesChecksum(path: string, file: RepoFile): Promise<boolean> {
  if (file.sha256) return (await digestOf(path, 'sha256')) === file.sha256;
  if (file.gitOid) return (await digestOf(path, 'sha1', `blob ${file.size}\0`)) === file.gitOid;
  return true;
}

async function digestOf(path: string, algorithm: 'sha256' | 'sha1', prefix = ''): Promise<string> {
  const hash = createHash(algorithm).update(prefix);
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

// The token goes into the header here rather than through the library's
// accessToken, which insists on huggingface.co's "hf_" prefix; compatible hubs
// (mirrors, proxies) issue tokens of other shapes.
function fetchWith(token: string | undefined, signal: AbortSignal | undefined): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers, signal });
  };
}

function hubError(what: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const status = (err as { statusCode?: number }).statusCode;
  const hint = status === 401 || status === 403 ? '; check HF_TOKEN' : status === 404 ? '; check the repository name and revision' : '; check HF_ENDPOINT and the network';
  return new StoreError('STORE_HUB_FAILED', `${what}: ${(err as Error).message ?? String(err)}${hint}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
