// `file:` sources may only name things inside the import directory
// (TESSERA_IMPORT_DIR). Both sides are resolved through symlinks before the
// comparison, so `..`, absolute paths and links pointing outside all fail.

import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { StoreError } from './errors';

export async function resolveImportPath(importDir: string | undefined, userPath: string): Promise<string> {
  if (!importDir) {
    throw new StoreError('STORE_OUTSIDE_IMPORT_DIR', 'file: sources are disabled because TESSERA_IMPORT_DIR is not set; set it to the directory models may be imported from');
  }
  const root = await realpath(importDir).catch(() => {
    throw new StoreError('STORE_OUTSIDE_IMPORT_DIR', `the import directory ${importDir} does not exist; create it or fix TESSERA_IMPORT_DIR`);
  });
  const outside = () =>
    new StoreError('STORE_OUTSIDE_IMPORT_DIR', `file:${userPath} is outside the import directory; name a path relative to TESSERA_IMPORT_DIR without '..'`);
  if (!isInside(root, resolve(root, userPath))) throw outside();
  const real = await realpath(resolve(root, userPath)).catch(() => {
    throw new StoreError('STORE_NOT_FOUND', `file:${userPath} does not exist in the import directory; copy the model there first`);
  });
  if (!isInside(root, real)) throw outside();
  return real;
}

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}
