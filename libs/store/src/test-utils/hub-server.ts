// A small Hugging Face-compatible hub for tests: serves one directory as the
// repository <repo> at one commit, reachable as `main`, as the tags given, or
// by its sha. It answers what @huggingface/hub asks: the model info API
// (/api/models/<repo>/revision/<rev>: id, sha, siblings), the tree API (sizes,
// git oids, LFS sha256 for weights) and /<repo>/resolve/<rev>/<file> with
// Range requests and the hub's headers (ETag, X-Repo-Commit, and for LFS files
// X-Linked-Size / X-Linked-ETag). Unknown revisions and files get the hub's
// 404s with X-Error-Code. Options add a bearer token, a connection dropped
// halfway through a file once, and corrupted bytes.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';

export interface HubServerOptions {
  readonly repo: string;
  readonly dir: string;
  readonly token?: string;
  /** Drop the first full read of files whose path ends with this, after half of it. */
  readonly dropOnce?: string;
  /** Flip a byte in the middle of files whose path ends with this (checksum tests). */
  readonly corrupt?: string;
  /** Revision names besides `main` and the commit sha. */
  readonly tags?: readonly string[];
}

export interface HubServer {
  readonly url: string;
  /** The commit sha every revision name resolves to. */
  readonly commit: string;
  /** Requests that carried a Range header starting past byte 0. */
  readonly resumedRequests: string[];
  close(): Promise<void>;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

export async function startHubServer(opts: HubServerOptions): Promise<HubServer> {
  const resumedRequests: string[] = [];
  let dropped = false;
  const files = walk(opts.dir).map((p) => relative(opts.dir, p));
  const isLfs = (p: string) => p.endsWith('.safetensors') || p.endsWith('.gguf');
  const contentOf = (p: string) => {
    const bytes = readFileSync(join(opts.dir, p));
    if (opts.corrupt && p.endsWith(opts.corrupt)) bytes[bytes.length >> 1] ^= 0xff;
    return bytes;
  };

  const tree = files.map((p) => {
    const bytes = readFileSync(join(opts.dir, p));
    const gitOid = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    return isLfs(p)
      ? { type: 'file', path: p, size: 134, oid: gitOid, lfs: { oid: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, pointerSize: 134 } }
      : { type: 'file', path: p, size: bytes.length, oid: gitOid };
  });
  const commit = createHash('sha1').update(opts.repo).update(JSON.stringify(tree)).digest('hex');
  const revisions = new Set(['main', commit, ...(opts.tags ?? [])]);
  const modelInfo = {
    _id: commit.slice(0, 24),
    id: opts.repo,
    sha: commit,
    private: false,
    gated: false,
    downloads: 0,
    likes: 0,
    lastModified: '2026-01-01T00:00:00.000Z',
    pipeline_tag: 'text-generation',
    siblings: files.map((rfilename) => ({ rfilename })),
  };
  const notFound = (res: ServerResponse, code: 'RepoNotFound' | 'RevisionNotFound' | 'EntryNotFound') =>
    res.writeHead(404, { 'x-error-code': code, 'content-type': 'application/json' }).end(JSON.stringify({ error: `${code}` }));

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Invalid credentials' }));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    // /api/models/<repo>/revision/<rev>, /api/models/<repo>/tree/<rev>[/<dir>], /<repo>/resolve/<rev>/<file>
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)(?:\/.*)?$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const [repo, rev] = api ? [api[1], api[3]] : resolve ? [resolve[1], resolve[2]] : [];
    if (repo === undefined || rev === undefined) return notFound(res, 'RepoNotFound');
    if (repo !== opts.repo) return notFound(res, 'RepoNotFound');
    if (!revisions.has(decodeURIComponent(rev))) return notFound(res, 'RevisionNotFound');
    if (api?.[2] === 'revision') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(modelInfo));
      return;
    }
    if (api) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tree));
      return;
    }
    const path = decodeURIComponent(resolve![3]);
    if (!files.includes(path)) return notFound(res, 'EntryNotFound');
    serveFile(req, res, path, contentOf(path));
  };

  const serveFile = (req: IncomingMessage, res: ServerResponse, path: string, bytes: Buffer) => {
    // The hub's ETag is the git oid, or for LFS files the sha256 of the real
    // content, repeated in X-Linked-ETag with the real size in X-Linked-Size.
    const entry = tree.find((t) => t.path === path)!;
    const etag = `"${entry.lfs?.oid ?? entry.oid}"`;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m && m[2] ? Math.min(Number(m[2]), bytes.length - 1) : bytes.length - 1;
    if (start > 0) resumedRequests.push(`${path}@${start}`);
    const body = bytes.subarray(start, end + 1);
    const headers: Record<string, string> = {
      etag,
      'x-repo-commit': commit,
      'content-length': String(body.length),
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      ...(entry.lfs ? { 'x-linked-size': String(entry.lfs.size), 'x-linked-etag': etag } : {}),
    };
    if (m) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${bytes.length}` });
    else res.writeHead(200, headers);
    const full = start === 0 && end === bytes.length - 1 && body.length > 1;
    if (full && opts.dropOnce && path.endsWith(opts.dropOnce) && !dropped) {
      dropped = true;
      res.write(body.subarray(0, body.length >> 1), () => res.destroy());
      return;
    }
    res.end(body);
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    commit,
    resumedRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
