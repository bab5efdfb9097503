// Checks a sweep's source before any job is queued, so a bad one is a 400 now
// rather than a failed job later: the text parses, a `file:` path stays inside
// TESSERA_IMPORT_DIR and exists, a `model:` names one of the team's stored
// models. Also yields the fingerprint hashed into the sweep id and a default
// name for the results.

import { basename, isAbsolute } from 'node:path';
import { ErrorCode } from '@tessera/contracts';
import { ModelStore, formatSource, parseSource, resolveImportPath } from '@tessera/store';
import { ApiError } from '../common/api-error';
import { withStoreErrors } from '../stored-models/store-error.mapper';
import { fingerprintPath } from './source-fingerprint';

export interface CheckedSource {
  /** Canonical text (hf:// with its revision, model: with its tag). */
  readonly text: string;
  readonly fingerprint: string;
  readonly defaultName: string;
}

export interface SourceContext {
  readonly team: string;
  readonly importDir?: string;
  readonly store: ModelStore;
}

export async function checkSource(text: string, ctx: SourceContext): Promise<CheckedSource> {
  const source = await withStoreErrors(async () => parseSource(text), 'source');
  switch (source.kind) {
    case 'file': {
      if (isAbsolute(source.path) || source.path.split(/[\\/]/).includes('..')) {
        throw ApiError.invalid(`${text} leaves the import directory; name a path relative to TESSERA_IMPORT_DIR without '..' or a leading '/'.`, 'source');
      }
      const real = await withStoreErrors(() => resolveImportPath(ctx.importDir, source.path), 'source').catch((err) => {
        // A missing file is the caller's mistake too: a 400 on `source`, not a 404 of the route.
        throw err instanceof ApiError && err.status === 404 ? ApiError.invalid(err.message, 'source') : err;
      });
      return { text: formatSource(source), fingerprint: await fingerprintPath(real), defaultName: nameFrom(basename(source.path).replace(/\.gguf$/i, '')) };
    }
    case 'hf':
      return { text: formatSource(source), fingerprint: formatSource(source), defaultName: nameFrom(source.repo.split('/')[1]) };
    case 'model': {
      const m = await ctx.store.manifests.find(ctx.team, source.name, source.tag);
      if (!m) {
        throw new ApiError(ErrorCode.NotFound, `Your team has no stored model '${source.name}:${source.tag}'. Upload it with POST /v1/models/uploads or list GET /v1/stored-models.`, 'source');
      }
      return { text: formatSource(source), fingerprint: m.digest, defaultName: source.name };
    }
  }
}

/** A store-safe model name from a file or repository name. */
export function nameFrom(raw: string): string {
  const cleaned = raw.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/\.{2,}/g, '.').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return cleaned || 'model';
}
