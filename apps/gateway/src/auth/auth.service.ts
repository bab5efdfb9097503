import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ErrorCode } from '@tessera/contracts';
import { ApiError } from '../common/api-error';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { Clock } from '../redis/clock';
import { TeamRepository } from '../admin/team.repository';
import { API_KEY_PREFIX, bearerToken, displayPrefix, hashApiKey } from './api-key';
import { ApiKeyRepository } from './api-key.repository';
import { Principal } from './principal';
import { Role, roleSatisfies } from './role';
import { RouteAccess } from './route-access.decorator';

export const BOOTSTRAP_KEY_ID = 'bootstrap-admin';
export const ADMIN_TEAM_ID = 'admin';

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly keys: ApiKeyRepository,
    private readonly teams: TeamRepository,
    private readonly clock: Clock,
  ) {}

  /** Stores the hash of TESSERA_ADMIN_KEY (replacing an older bootstrap key). */
  async onApplicationBootstrap(): Promise<void> {
    const key = this.config.adminKey;
    if (!key) {
      this.logger.warn('TESSERA_ADMIN_KEY is not set: no bootstrap admin key (existing keys still work).');
      return;
    }
    const now = this.clock.now();
    await this.teams.create({ id: ADMIN_TEAM_ID, name: 'Administrators', allowedModels: [], limits: {}, createdAt: now });
    const hash = hashApiKey(key);
    const previous = await this.keys.hashOf(BOOTSTRAP_KEY_ID);
    if (previous && previous !== hash) await this.keys.remove(BOOTSTRAP_KEY_ID, previous);
    if (previous !== hash) {
      await this.keys.save(hash, {
        id: BOOTSTRAP_KEY_ID,
        teamId: ADMIN_TEAM_ID,
        role: Role.Admin,
        prefix: displayPrefix(key),
        name: 'bootstrap (TESSERA_ADMIN_KEY)',
        createdAt: now,
        revoked: false,
      });
    }
  }

  /** Resolves the caller of a route, or throws 401/403. Public routes need nothing. */
  async authorize(access: RouteAccess, authorization: string | string[] | undefined): Promise<Principal | undefined> {
    if (access === 'public') return undefined;
    const key = bearerToken(authorization);
    if (!key) {
      throw new ApiError(ErrorCode.InvalidApiKey, `Missing API key. Send it as "Authorization: Bearer ${API_KEY_PREFIX}...".`);
    }
    const record = key.startsWith(API_KEY_PREFIX) ? await this.keys.lookup(hashApiKey(key)) : undefined;
    if (!record || record.revoked) {
      throw new ApiError(ErrorCode.InvalidApiKey, 'Incorrect or revoked API key. Ask an admin of your team for a valid key.');
    }
    if (!roleSatisfies(record.role, access)) {
      throw new ApiError(ErrorCode.PermissionDenied, `This route needs the '${access}' role; your key has '${record.role}'.`);
    }
    return { keyId: record.id, teamId: record.teamId, role: record.role };
  }
}
