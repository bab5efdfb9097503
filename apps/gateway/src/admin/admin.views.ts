import { ApiKeyRecord } from '../auth/api-key.record';
import { Team } from './team';

/** Wire shapes of the admin API (snake_case, seconds like OpenAI's `created`). */
export function teamView(team: Team) {
  return {
    id: team.id,
    object: 'team',
    name: team.name,
    allowed_models: team.allowedModels,
    limits: {
      requests_per_minute: team.limits.requestsPerMinute ?? null,
      tokens_per_minute: team.limits.tokensPerMinute ?? null,
      max_concurrent: team.limits.maxConcurrent ?? null,
      max_waiting: team.limits.maxWaiting ?? null,
    },
    created: Math.floor(team.createdAt / 1000),
  };
}

/** A key without any secret. */
export function keyView(key: ApiKeyRecord) {
  return {
    id: key.id,
    object: 'api_key',
    team: key.teamId,
    role: key.role,
    prefix: key.prefix,
    name: key.name ?? null,
    created: Math.floor(key.createdAt / 1000),
    revoked: key.revoked,
  };
}
