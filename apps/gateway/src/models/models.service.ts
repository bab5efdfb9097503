import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@tessera/contracts';
import { Principal } from '../auth/principal';
import { ApiError } from '../common/api-error';
import { ModelAccessService } from '../inference/model-access.service';
import { RegistryService } from '../registry/registry.service';

function modelView(id: string, info: { startedAt: number; maxModelLen?: number }) {
  return { id, object: 'model' as const, created: Math.floor(info.startedAt / 1000), owned_by: 'tessera', max_model_len: info.maxModelLen ?? null };
}

/** Models served by at least one live replica that the caller's team may use. */
@Injectable()
export class ModelsService {
  constructor(
    private readonly registry: RegistryService,
    private readonly access: ModelAccessService,
  ) {}

  async list(principal: Principal) {
    const team = await this.access.teamOf(principal);
    const models = [...(await this.registry.models()).entries()].filter(([id]) => this.access.allows(team, id)).sort(([a], [b]) => a.localeCompare(b));
    return { object: 'list' as const, data: models.map(([id, info]) => modelView(id, info)) };
  }

  async get(principal: Principal, id: string) {
    const team = await this.access.teamOf(principal);
    const info = (await this.registry.models()).get(id);
    if (!info || !this.access.allows(team, id)) {
      throw new ApiError(ErrorCode.ModelNotFound, `The model '${id}' does not exist or you do not have access to it.`, 'model');
    }
    return modelView(id, info);
  }
}
