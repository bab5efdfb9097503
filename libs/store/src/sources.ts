// Where a model comes from, as users write it:
//   file:<path>              a file or directory inside TESSERA_IMPORT_DIR
//   hf://<org>/<name>[@rev]  a Hugging Face-compatible hub (HF_ENDPOINT)
//   model:<name>[:<tag>]     a model the team already stored (e.g. an upload)
// Parsing is pure; resolving (import-dir.ts, hub/) touches the filesystem or network.

import { StoreError } from './errors';
import { checkName } from './names';

export type ModelSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'hf'; readonly repo: string; readonly revision: string }
  | { readonly kind: 'model'; readonly name: string; readonly tag: string };

const HF_REPO = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const HF_REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;

export function parseSource(text: unknown): ModelSource {
  if (typeof text !== 'string' || text.length === 0 || text.length > 1024) throw badSource(text);
  if (text.startsWith('file:')) {
    const path = text.slice('file:'.length);
    if (path.length === 0 || path.includes('\0')) throw badSource(text);
    return { kind: 'file', path };
  }
  if (text.startsWith('hf://')) {
    const [repo, revision = 'main', extra] = text.slice('hf://'.length).split('@');
    if (extra !== undefined || !HF_REPO.test(repo) || repo.includes('..') || !HF_REVISION.test(revision) || revision.includes('..')) {
      throw new StoreError('STORE_BAD_SOURCE', `${JSON.stringify(text)} is not a hub reference; write hf://<org>/<name> or hf://<org>/<name>@<revision>`);
    }
    return { kind: 'hf', repo, revision };
  }
  if (text.startsWith('model:')) {
    const [name, tag = 'latest', extra] = text.slice('model:'.length).split(':');
    if (extra !== undefined) throw badSource(text);
    return { kind: 'model', name: checkName('model name', name), tag: checkName('tag', tag) };
  }
  throw badSource(text);
}

/** The canonical text of a source (what job ids hash). */
export function formatSource(s: ModelSource): string {
  switch (s.kind) {
    case 'file':
      return `file:${s.path}`;
    case 'hf':
      return `hf://${s.repo}@${s.revision}`;
    case 'model':
      return `model:${s.name}:${s.tag}`;
  }
}

function badSource(text: unknown): StoreError {
  return new StoreError(
    'STORE_BAD_SOURCE',
    `source ${JSON.stringify(text)} is not understood; use file:<path inside the import directory>, hf://<org>/<name>[@<revision>] or model:<name>[:<tag>]`,
  );
}
