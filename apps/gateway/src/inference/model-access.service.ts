import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@tessera/contracts';
import { Team } from '../admin/team';
import { TeamRepository } from '../admin/team.repository';
import { Principal } from '../auth/principal';
import { ApiError } from '../common/api-error';
import { RegistryService } from '../registry/registry.service';

/** Which models a caller may use, and whether a model exists at all. */
@Injectable()
export class ModelAccessService {
  constructor(
    private readonly teams: TeamRepository,
    private readonly registry: RegistryService,
  ) {}

  /** The caller's team (a key whose team record is gone gets defaults and no allowlist). */
  async teamOf(principal: Principal): Promise<Team> {
    return (await this.teams.lookup(principal.teamId)) ?? { id: principal.teamId, name: principal.teamId, allowedModels: [], limits: {}, createdAt: 0 };
  }

  allows(team: Team, model: string): boolean {
    return team.allowedModels.length === 0 || team.allowedModels.includes(model);
  }

  /** Checks the team may use `model` (403) and that it is served (404); returns the team. */
  async requireModel(principal: Principal, model: string): Promise<Team> {
    const team = await this.teamOf(principal);
    if (!this.allows(team, model)) {
      throw new ApiError(ErrorCode.PermissionDenied, `Team '${team.id}' may not use model '${model}'. Ask an admin to add it to the team's allowed_models.`, 'model');
    }
    if ((await this.registry.replicasOf(model)).length === 0) {
      throw new ApiError(ErrorCode.ModelNotFound, `The model '${model}' does not exist or is not deployed. List models with GET /v1/models.`, 'model');
    }
    return team;
  }
}
