// The model store: one root directory (a PVC in Kubernetes) holding
//   blobs/sha256/..          content-addressed model files
//   manifests/<team>/..      names and facts about them
//   reports/<team>/..        sweep reports (JSON + SVG)
//   work/<owner>/            scratch space of one job, emptied when it starts again
//   tmp/                     temp files of streaming writes
// Nothing outside `root` is ever written; every user-supplied name is validated.

import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file';
import { BlobStore } from './blob-store';
import { StoreError } from './errors';
import { MANIFEST_SCHEMA, ModelManifest, NewManifest } from './manifest';
import { ManifestStore } from './manifest-store';
import { checkName } from './names';

const OWNER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export class ModelStore {
  readonly blobs: BlobStore;
  readonly manifests: ManifestStore;

  constructor(readonly root: string) {
    this.blobs = new BlobStore(root);
    this.manifests = new ManifestStore(root);
  }

  /** Names a stored blob: writes the manifest (size taken from the blob). */
  async tag(m: NewManifest): Promise<ModelManifest> {
    const info = await this.blobs.info(m.digest);
    if (!info) throw new StoreError('STORE_NOT_FOUND', `blob ${m.digest} is not in the store; store the file before naming it`);
    return this.manifests.put({ ...m, schema: MANIFEST_SCHEMA, size: info.size, createdAt: new Date().toISOString() });
  }

  /** Adds measurements to an existing manifest. */
  async addMetrics(team: string, name: string, tag: string, metrics: Record<string, number>): Promise<ModelManifest> {
    const m = await this.manifests.get(team, name, tag);
    return this.manifests.put({ ...m, metrics: { ...m.metrics, ...metrics } });
  }

  /** Deletes a manifest, and its blob when no other manifest names it. */
  async removeModel(team: string, name: string, tag: string): Promise<ModelManifest> {
    const m = await this.manifests.remove(team, name, tag);
    const stillUsed = (await this.manifests.listAll()).some((other) => other.digest === m.digest || other.parent === m.digest);
    if (!stillUsed) await this.blobs.remove(m.digest);
    return m;
  }

  /** An empty scratch directory for `owner` (a job id); whatever a crashed run left there is removed. */
  async freshWorkDir(owner: string): Promise<string> {
    const dir = this.workDirOf(owner);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /**
   * The scratch directory of `owner`, keeping what an earlier attempt left
   * (resumable downloads); the caller removes its own half-written files.
   */
  async workDir(owner: string): Promise<string> {
    const dir = this.workDirOf(owner);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async removeWorkDir(owner: string): Promise<void> {
    await rm(this.workDirOf(owner), { recursive: true, force: true });
  }

  /** Scratch directories that exist now (for tests and clean-up). */
  async workDirs(): Promise<string[]> {
    return (await readdir(join(this.root, 'work')).catch(() => [] as string[])).sort();
  }

  async writeReport(team: string, id: string, files: { json: unknown; svg: string }): Promise<void> {
    const dir = this.reportDir(team, id);
    await writeFileAtomic(join(dir, 'report.svg'), files.svg);
    await writeFileAtomic(join(dir, 'report.json'), JSON.stringify(files.json, null, 2) + '\n');
  }

  /** The report's JSON text or SVG, or undefined when it is not written yet. */
  async readReport(team: string, id: string, kind: 'json' | 'svg'): Promise<string | undefined> {
    return readFile(join(this.reportDir(team, id), `report.${kind}`), 'utf8').catch(() => undefined);
  }

  private reportDir(team: string, id: string): string {
    return join(this.root, 'reports', checkName('team', team), checkOwner(id));
  }

  private workDirOf(owner: string): string {
    return join(this.root, 'work', checkOwner(owner));
  }
}

function checkOwner(owner: string): string {
  if (!OWNER.test(owner) || owner.includes('..')) throw new StoreError('STORE_BAD_NAME', `${JSON.stringify(owner)} is not a valid job or report id`);
  return owner;
}
