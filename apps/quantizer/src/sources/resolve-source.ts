// Turns a sweep's source text into something on local disk: a GGUF file or a
// Hugging Face checkpoint directory. `file:` must stay inside the import
// directory, `hf://` is downloaded (resumably) into the job's work directory,
// `model:` names a model the team already stored.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelStore, downloadHubRepo, parseSource, resolveImportPath } from '@tessera/store';
import type { QuantizerConfig } from '../config/quantizer-config';
import { JobInputError } from '../processors/job-failure';

export interface LocalSource {
  readonly kind: 'gguf' | 'hf';
  readonly path: string;
  /** Set when the GGUF is already a store blob. */
  readonly digest?: string;
  /** The digest the GGUF must have (the hub's LFS sha256), checked again as it enters the store. */
  readonly expectedDigest?: string;
}

export interface ResolveContext {
  readonly team: string;
  readonly config: QuantizerConfig;
  readonly store: ModelStore;
  /** Scratch directory for downloads (kept across attempts so they resume). */
  readonly workDir: string;
  readonly signal: AbortSignal;
  readonly onProgress: (fraction: number) => void;
}

export async function resolveSource(text: string, ctx: ResolveContext): Promise<LocalSource> {
  const source = parseSource(text);
  switch (source.kind) {
    case 'file':
      return classify(await resolveImportPath(ctx.config.importDir, source.path), text);
    case 'model': {
      const m = await ctx.store.manifests.get(ctx.team, source.name, source.tag);
      return { kind: 'gguf', path: ctx.store.blobs.pathOf(m.digest), digest: m.digest };
    }
    case 'hf': {
      const dir = join(ctx.workDir, 'hub');
      const download = await downloadHubRepo(source.repo, source.revision, dir, {
        endpoint: ctx.config.hfEndpoint,
        token: ctx.config.hfToken,
        signal: ctx.signal,
        maxBytes: ctx.config.hfMaxBytes,
        onProgress: (p) => ctx.onProgress(p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 1),
      });
      const local = await classify(dir, text);
      if (local.kind !== 'gguf') return local;
      const sha256 = download.files.find((f) => join(dir, f.path) === local.path)?.sha256;
      return sha256 ? { ...local, expectedDigest: `sha256:${sha256}` } : local;
    }
  }
}

/** A directory with config.json is a checkpoint; a directory with one .gguf, or a file, is a GGUF. */
async function classify(path: string, text: string): Promise<LocalSource> {
  const s = await stat(path);
  if (s.isFile()) return { kind: 'gguf', path };
  const names = await readdir(path);
  if (names.includes('config.json')) return { kind: 'hf', path };
  const ggufs = names.filter((n) => n.endsWith('.gguf'));
  if (ggufs.length === 1) return { kind: 'gguf', path: join(path, ggufs[0]) };
  throw new JobInputError(
    'invalid_source',
    `${text} is a directory with neither config.json nor exactly one .gguf file; point the source at a Hugging Face checkpoint or a GGUF file`,
  );
}
