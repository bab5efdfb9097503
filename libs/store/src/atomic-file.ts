// Durable, all-or-nothing file writes: data goes to a unique temp name in the
// destination's directory, is fsynced, then renamed over the final name, and
// the directory is fsynced so the rename survives a crash. Readers see the old
// file or the new one, never a half-written one.

import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A temp path beside `path`, unique to this process and call. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.partial`);
}

export async function syncDirectory(dir: string): Promise<void> {
  // Some filesystems refuse to fsync a directory; the rename is still atomic there.
  const h = await open(dir, 'r').catch(() => undefined);
  if (!h) return;
  await h.sync().catch(() => undefined);
  await h.close();
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  const h = await open(temp, 'wx');
  try {
    await h.writeFile(data);
    await h.sync();
  } catch (err) {
    await h.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await h.close();
  await renameDurably(temp, path);
}

/** Renames and fsyncs the destination directory. */
export async function renameDurably(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await rename(from, to);
  await syncDirectory(dirname(to));
}
