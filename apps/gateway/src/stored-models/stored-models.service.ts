// The team's models in the store: uploads, listing, lookup and deletion. Every
// operation is scoped to the caller's team; names are validated by the store,
// so none can reach outside its root.

import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@tessera/contracts';
import { ModelStore, checkName } from '@tessera/store';
import { Principal } from '../auth/principal';
import { ApiError } from '../common/api-error';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { MODEL_STORE, requireStore } from './model-store.provider';
import { withStoreErrors } from './store-error.mapper';
import { storedModelView } from './stored-model.view';
import { requireGgufMagic, uploadStream } from './upload-stream';

export interface UploadTarget {
  readonly name?: string;
  readonly tag?: string;
  /** The Content-Length header, when the client sent one. */
  readonly contentLength?: number;
}

@Injectable()
export class StoredModelsService {
  constructor(
    @Inject(MODEL_STORE) private readonly maybeStore: ModelStore | null,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  private get store(): ModelStore {
    return requireStore(this.maybeStore);
  }

  /** `body` is the parsed request body: the raw stream for application/octet-stream. */
  async upload(principal: Principal, target: UploadTarget, body: unknown) {
    const store = this.store;
    const stream = uploadStream(body);
    if (!target.name) throw ApiError.invalid("Missing query parameter 'name': POST /v1/models/uploads?name=<model name>[&tag=<tag>].", 'name');
    const name = await withStoreErrors(async () => checkName('model name', target.name), 'name');
    const tag = await withStoreErrors(async () => checkName('tag', target.tag ?? 'latest'), 'tag');
    const limit = this.config.quantization.uploadLimitBytes;
    if (target.contentLength !== undefined && target.contentLength > limit) throw tooLarge(limit);
    const blob = await withStoreErrors(() => store.blobs.ingestStream(requireGgufMagic(stream), { maxBytes: limit })).catch((err) => {
      throw err instanceof ApiError && err.status === 413 ? tooLarge(limit) : err;
    });
    const manifest = await store.tag({ team: principal.teamId, name, tag, digest: blob.digest, format: 'gguf', source: 'upload' });
    return storedModelView(manifest);
  }

  async list(principal: Principal) {
    const models = await this.store.manifests.list(principal.teamId);
    return { object: 'list' as const, data: models.map(storedModelView) };
  }

  async listTags(principal: Principal, name: string) {
    const models = await withStoreErrors(async () => (await this.store.manifests.list(principal.teamId)).filter((m) => m.name === checkName('model name', name)), 'name');
    if (models.length === 0) throw notFound(name);
    return { object: 'list' as const, data: models.map(storedModelView) };
  }

  async get(principal: Principal, name: string, tag: string) {
    const m = await withStoreErrors(() => this.store.manifests.find(principal.teamId, name, tag), 'name');
    if (!m) throw notFound(`${name}:${tag}`);
    return storedModelView(m);
  }

  async remove(principal: Principal, name: string, tag: string) {
    const store = this.store;
    const m = await withStoreErrors(() => store.manifests.find(principal.teamId, name, tag), 'name');
    if (!m) throw notFound(`${name}:${tag}`);
    await store.removeModel(principal.teamId, name, tag);
    return { id: `${name}:${tag}`, object: 'stored_model' as const, deleted: true };
  }
}

function tooLarge(limit: number): ApiError {
  return new ApiError(ErrorCode.PayloadTooLarge, `The upload is larger than the limit of ${limit} bytes. Send a smaller model, or ask an operator to raise UPLOAD_LIMIT_BYTES.`, null);
}

function notFound(id: string): ApiError {
  return new ApiError(ErrorCode.NotFound, `Your team has no stored model '${id}'. List them with GET /v1/stored-models.`, 'name');
}
