import { ApiError } from '../common/api-error';
import { BodyReader } from '../common/validation/body-reader';
import { Role, ROLES } from '../auth/role';
import { TeamLimits } from './team';

export interface CreateTeamRequest {
  id: string;
  name: string;
  allowedModels: string[];
  limits: TeamLimits;
}

export interface UpdateTeamRequest {
  name?: string;
  allowedModels?: string[];
  limits?: TeamLimits;
}

export interface CreateKeyRequest {
  teamId: string;
  role: Role;
  name?: string;
}

const TEAM_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

function limits(reader: BodyReader): TeamLimits | undefined {
  const body = reader.object('limits');
  if (!body) return undefined;
  const result: TeamLimits = {
    requestsPerMinute: body.number('requests_per_minute', { integer: true, min: 1 }),
    tokensPerMinute: body.number('tokens_per_minute', { integer: true, min: 1 }),
    maxConcurrent: body.number('max_concurrent', { integer: true, min: 1 }),
    maxWaiting: body.number('max_waiting', { integer: true, min: 0 }),
  };
  body.rejectUnknown();
  return Object.fromEntries(Object.entries(result).filter(([, v]) => v !== undefined)) as TeamLimits;
}

function allowedModels(reader: BodyReader): string[] | undefined {
  const value = reader.raw('allowed_models');
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((m) => typeof m !== 'string' || m === '')) reader.fail('allowed_models', 'an array of model ids (empty = all models)');
  return value as string[];
}

export function parseCreateTeam(body: unknown): CreateTeamRequest {
  const reader = new BodyReader(body);
  const name = reader.requiredString('name');
  const id = reader.string('id') ?? name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!TEAM_ID.test(id)) {
    throw ApiError.invalid(`Team id '${id}' is invalid: use 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit.`, 'id');
  }
  const request = { id, name, allowedModels: allowedModels(reader) ?? [], limits: limits(reader) ?? {} };
  reader.rejectUnknown();
  return request;
}

export function parseUpdateTeam(body: unknown): UpdateTeamRequest {
  const reader = new BodyReader(body);
  const request = { name: reader.string('name'), allowedModels: allowedModels(reader), limits: limits(reader) };
  reader.rejectUnknown();
  return request;
}

export function parseCreateKey(body: unknown): CreateKeyRequest {
  const reader = new BodyReader(body);
  const request = {
    teamId: reader.requiredString('team'),
    role: reader.oneOf('role', ROLES) ?? Role.Member,
    name: reader.string('name'),
  };
  reader.rejectUnknown();
  return request;
}
