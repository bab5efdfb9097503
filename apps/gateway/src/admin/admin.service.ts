import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@tessera/contracts';
import { randomUUID } from 'node:crypto';
import { displayPrefix, generateApiKey, hashApiKey } from '../auth/api-key';
import { ApiKeyRepository } from '../auth/api-key.repository';
import { ApiError } from '../common/api-error';
import { Clock } from '../redis/clock';
import { CreateKeyRequest, CreateTeamRequest, UpdateTeamRequest } from './admin.dto';
import { keyView, teamView } from './admin.views';
import { Team } from './team';
import { TeamRepository } from './team.repository';

@Injectable()
export class AdminService {
  constructor(
    private readonly teams: TeamRepository,
    private readonly keys: ApiKeyRepository,
    private readonly clock: Clock,
  ) {}

  async createTeam(request: CreateTeamRequest) {
    const team: Team = { ...request, createdAt: this.clock.now() };
    if (!(await this.teams.create(team))) throw ApiError.invalid(`Team '${team.id}' already exists; choose another id.`, 'id');
    return teamView(team);
  }

  async listTeams() {
    return { object: 'list', data: (await this.teams.list()).map(teamView) };
  }

  async updateTeam(id: string, request: UpdateTeamRequest) {
    const team = await this.requireTeam(id);
    const updated: Team = {
      ...team,
      name: request.name ?? team.name,
      allowedModels: request.allowedModels ?? team.allowedModels,
      limits: request.limits ? { ...team.limits, ...request.limits } : team.limits,
    };
    await this.teams.update(updated);
    return teamView(updated);
  }

  /** Creates a key; the plaintext is in this response and nowhere else, ever. */
  async createKey(request: CreateKeyRequest) {
    await this.requireTeam(request.teamId, 'team');
    const key = generateApiKey();
    const record = {
      id: `key_${randomUUID().replace(/-/g, '')}`,
      teamId: request.teamId,
      role: request.role,
      prefix: displayPrefix(key),
      name: request.name,
      createdAt: this.clock.now(),
      revoked: false,
    };
    await this.keys.save(hashApiKey(key), record);
    return { ...keyView(record), key };
  }

  async listKeys() {
    const keys = await this.keys.list();
    return { object: 'list', data: keys.sort((a, b) => a.createdAt - b.createdAt).map(keyView) };
  }

  async revokeKey(id: string) {
    const hash = await this.keys.hashOf(id);
    const record = hash ? await this.keys.findByHash(hash) : undefined;
    if (!hash || !record) throw new ApiError(ErrorCode.NotFound, `No API key with id '${id}'. List keys with GET /v1/admin/keys.`, 'id');
    const revoked = { ...record, revoked: true };
    await this.keys.save(hash, revoked);
    return keyView(revoked);
  }

  private async requireTeam(id: string, param = 'id'): Promise<Team> {
    const team = await this.teams.find(id);
    if (!team) throw new ApiError(ErrorCode.NotFound, `No team '${id}'. Create it with POST /v1/admin/teams.`, param);
    return team;
  }
}
