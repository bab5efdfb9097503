// The weights of a Hugging Face model directory: one model.safetensors, or
// shards listed by model.safetensors.index.json ("weight_map": tensor -> file).
// Every shard is opened (headers only) and cross-checked against the index, so
// a missing or truncated shard fails before anything is written.

import { existsSync, promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import { ConvertError } from '../errors';
import { SafetensorsEntry } from './header';
import { SafetensorsFile } from './safetensors-file';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

export interface LocatedTensor {
  readonly file: SafetensorsFile;
  readonly entry: SafetensorsEntry;
}

export class HfWeights {
  private constructor(
    private readonly files: SafetensorsFile[],
    private readonly byName: Map<string, LocatedTensor>,
  ) {}

  static async open(dir: string): Promise<HfWeights> {
    if (existsSync(join(dir, INDEX_FILE))) return openSharded(dir);
    if (existsSync(join(dir, SINGLE_FILE))) {
      const f = await SafetensorsFile.open(join(dir, SINGLE_FILE));
      return HfWeights.fromFiles([f]);
    }
    throw new ConvertError(
      'CONVERT_MISSING_FILE',
      `${dir} has neither ${SINGLE_FILE} nor ${INDEX_FILE}; only safetensors weights can be converted`,
    );
  }

  static fromFiles(files: SafetensorsFile[]): HfWeights {
    const byName = new Map<string, LocatedTensor>();
    for (const file of files) {
      for (const entry of file.header.entries) {
        const prev = byName.get(entry.name);
        if (prev) {
          void closeAll(files);
          throw new ConvertError(
            'CONVERT_TENSOR_MISMATCH',
            `tensor '${entry.name}' appears in both ${basename(prev.file.path)} and ${basename(file.path)}`,
          );
        }
        byName.set(entry.name, { file, entry });
      }
    }
    return new HfWeights(files, byName);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  get(name: string): LocatedTensor | undefined {
    return this.byName.get(name);
  }

  async close(): Promise<void> {
    await closeAll(this.files);
  }
}

async function closeAll(files: SafetensorsFile[]): Promise<void> {
  await Promise.all(files.map((f) => f.close().catch(() => undefined)));
}

function badIndex(what: string): ConvertError {
  return new ConvertError('CONVERT_BAD_INDEX', `${INDEX_FILE}: ${what}; fix or regenerate the index`);
}

async function readWeightMap(dir: string): Promise<Map<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fsp.readFile(join(dir, INDEX_FILE), 'utf8'));
  } catch (e) {
    throw badIndex(`not valid JSON (${(e as Error).message})`);
  }
  const wm = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (typeof wm !== 'object' || wm === null || Array.isArray(wm)) throw badIndex('has no "weight_map" object');
  const out = new Map<string, string>();
  for (const [tensor, file] of Object.entries(wm as Record<string, unknown>)) {
    // A shard must be a plain file name inside the model directory.
    if (typeof file !== 'string' || file === '' || file !== basename(file) || file === '.' || file === '..') {
      throw badIndex(`tensor '${tensor}' maps to an invalid file name ${JSON.stringify(file)}`);
    }
    out.set(tensor, file);
  }
  if (out.size === 0) throw badIndex('"weight_map" is empty');
  return out;
}

async function openSharded(dir: string): Promise<HfWeights> {
  const weightMap = await readWeightMap(dir);
  const shardNames = [...new Set(weightMap.values())].sort();
  const files: SafetensorsFile[] = [];
  try {
    for (const name of shardNames) {
      if (!existsSync(join(dir, name))) {
        throw new ConvertError('CONVERT_MISSING_FILE', `shard ${name} listed in ${INDEX_FILE} is missing from ${dir}`);
      }
      files.push(await SafetensorsFile.open(join(dir, name)));
    }
  } catch (e) {
    await closeAll(files);
    throw e;
  }
  const weights = HfWeights.fromFiles(files);
  for (const [tensor, file] of weightMap) {
    const located = weights.get(tensor);
    if (!located || basename(located.file.path) !== file) {
      await weights.close();
      throw new ConvertError('CONVERT_TENSOR_MISMATCH', `${INDEX_FILE} places '${tensor}' in ${file}, but that shard does not hold it`);
    }
  }
  if (weights.names.length !== weightMap.size) {
    const extra = weights.names.filter((n) => !weightMap.has(n));
    await weights.close();
    throw new ConvertError('CONVERT_TENSOR_MISMATCH', `shards hold tensors not in ${INDEX_FILE}: ${extra.slice(0, 5).join(', ')}`);
  }
  return weights;
}
