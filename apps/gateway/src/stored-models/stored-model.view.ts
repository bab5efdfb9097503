import type { ModelManifest } from '@tessera/store';
import { snakeKeys } from './snake-case';

/** A stored model as the API shows it; `source` is what POST /v1/quantizations accepts to quantize it. */
export function storedModelView(m: ModelManifest) {
  return {
    id: `${m.name}:${m.tag}`,
    object: 'stored_model' as const,
    name: m.name,
    tag: m.tag,
    digest: m.digest,
    size: m.size,
    format: m.format,
    preset: m.preset ?? null,
    parent: m.parent ?? null,
    origin: m.source ?? null,
    source: `model:${m.name}:${m.tag}`,
    created_at: Math.floor(Date.parse(m.createdAt) / 1000),
    metrics: snakeKeys(m.metrics ?? {}),
  };
}
