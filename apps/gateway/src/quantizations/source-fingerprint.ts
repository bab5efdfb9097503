// A cheap stand-in for the digest of a `file:` source, for the sweep id: the
// relative path, size and modification time of every file under it. Hashing
// the bytes of a many-gigabyte checkpoint on every POST would stall the
// gateway; any edit of a file changes its size or mtime, hence the id.

import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

async function filesUnder(path: string): Promise<string[]> {
  const s = await stat(path);
  if (!s.isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(child)));
    else if (entry.isFile()) out.push(child);
  }
  return out;
}

export async function fingerprintPath(path: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of (await filesUnder(path)).sort()) {
    const s = await stat(file);
    hash.update(`${relative(path, file)}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return `files:${hash.digest('hex')}`;
}
