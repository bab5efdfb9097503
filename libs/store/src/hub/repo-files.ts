// Which files of a hub repository a model needs, and a guard on their paths:
// a listing comes from a remote server, so every path is checked before it
// becomes a local file name.

import { StoreError } from '../errors';

export interface RepoFile {
  readonly path: string;
  readonly size: number;
  /** sha256 hex of the content for LFS files (the LFS oid). */
  readonly sha256?: string;
  /** git blob sha1 hex for small files stored in git. */
  readonly gitOid?: string;
}

const WANTED = /(^|\/)(config\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|tokenizer\.model|[^/]+\.safetensors|model\.safetensors\.index\.json|[^/]+\.gguf)$/;
const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export function isWanted(path: string): boolean {
  return WANTED.test(path);
}

/** Throws unless `path` is a relative path of plain segments (no `..`, no leading `/`). */
export function checkRepoPath(path: string): string {
  const segments = path.split('/');
  if (path.length > 512 || segments.some((s) => !SAFE_SEGMENT.test(s) || s.includes('..'))) {
    throw new StoreError('STORE_HUB_FAILED', `the hub listed a file named ${JSON.stringify(path)}, which is not a safe relative path; refusing to download it`);
  }
  return path;
}
