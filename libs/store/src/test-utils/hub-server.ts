// A small Hugging Face-compatible hub for tests: serves one directory as the
// repository <repo> at any revision, with the tree API (sizes, git oids, LFS
// sha256 for weights), Range requests on /resolve/, an optional bearer token,
// and a switch that drops the connection halfway through a file once.

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
  /** Serve these bytes instead of a file's real content (checksum tests). */
  readonly corrupt?: string;
}

export interface HubServer {
  readonly url: string;
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

  const tree = () =>
    files.map((p) => {
      const bytes = readFileSync(join(opts.dir, p));
      const gitOid = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
      return isLfs(p)
        ? { type: 'file', path: p, size: 134, oid: gitOid, lfs: { oid: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, pointerSize: 134 } }
        : { type: 'file', path: p, size: bytes.length, oid: gitOid };
    });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Invalid credentials' }));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const treePrefix = `/api/models/${opts.repo}/tree/`;
    const resolvePrefix = `/${opts.repo}/resolve/`;
    if (url.pathname.startsWith(treePrefix)) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tree()));
      return;
    }
    if (url.pathname.startsWith(resolvePrefix)) {
      const rest = decodeURIComponent(url.pathname.slice(resolvePrefix.length));
      const path = rest.slice(rest.indexOf('/') + 1);
      if (!files.includes(path)) {
        res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end();
        return;
      }
      serveFile(req, res, path, contentOf(path));
      return;
    }
    res.writeHead(404).end();
  };

  const serveFile = (req: IncomingMessage, res: ServerResponse, path: string, bytes: Buffer) => {
    const etag = `"${createHash('sha1').update(bytes).digest('hex')}"`;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m && m[2] ? Math.min(Number(m[2]), bytes.length - 1) : bytes.length - 1;
    if (start > 0) resumedRequests.push(`${path}@${start}`);
    const body = bytes.subarray(start, end + 1);
    const headers = { etag, 'content-length': String(body.length), 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
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
    resumedRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
