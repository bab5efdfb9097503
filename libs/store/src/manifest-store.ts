// Manifests live at manifests/<team>/<name>/<tag>.json. Every path segment is a
// validated name, so no manifest operation can reach outside the store root.
// Writes are atomic (temp + fsync + rename).

import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file';
import { StoreError } from './errors';
import { MANIFEST_SCHEMA, ModelManifest } from './manifest';
import { checkName } from './names';

export class ManifestStore {
  readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'manifests');
  }

  private pathOf(team: string, name: string, tag: string): string {
    return join(this.dir, checkName('team', team), checkName('model name', name), `${checkName('tag', tag)}.json`);
  }

  async put(m: ModelManifest): Promise<ModelManifest> {
    if (m.schema !== MANIFEST_SCHEMA) throw new RangeError(`manifest schema ${m.schema} is not ${MANIFEST_SCHEMA}`);
    await writeFileAtomic(this.pathOf(m.team, m.name, m.tag), JSON.stringify(m, null, 2) + '\n');
    return m;
  }

  async find(team: string, name: string, tag: string): Promise<ModelManifest | undefined> {
    const text = await readFile(this.pathOf(team, name, tag), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    return text === undefined ? undefined : (JSON.parse(text) as ModelManifest);
  }

  async get(team: string, name: string, tag: string): Promise<ModelManifest> {
    const m = await this.find(team, name, tag);
    if (!m) throw new StoreError('STORE_NOT_FOUND', `model ${name}:${tag} does not exist for team ${team}; list the team's models to see what is stored`);
    return m;
  }

  /** The team's manifests, by name then tag. */
  async list(team: string): Promise<ModelManifest[]> {
    const teamDir = join(this.dir, checkName('team', team));
    const out: ModelManifest[] = [];
    for (const name of (await readdir(teamDir).catch(() => [] as string[])).sort()) {
      for (const file of (await readdir(join(teamDir, name)).catch(() => [] as string[])).sort()) {
        if (!file.endsWith('.json') || file.startsWith('.')) continue;
        const m = await this.find(team, name, file.slice(0, -'.json'.length));
        if (m) out.push(m);
      }
    }
    return out;
  }

  /** Every team's manifests (for garbage collection). */
  async listAll(): Promise<ModelManifest[]> {
    const out: ModelManifest[] = [];
    for (const team of (await readdir(this.dir).catch(() => [] as string[])).sort()) out.push(...(await this.list(team)));
    return out;
  }

  /** Deletes a manifest; resolves to it, or throws STORE_NOT_FOUND. */
  async remove(team: string, name: string, tag: string): Promise<ModelManifest> {
    const m = await this.get(team, name, tag);
    await rm(this.pathOf(team, name, tag), { force: true });
    await rmdir(join(this.dir, team, name)).catch(() => undefined); // only when empty
    return m;
  }
}
