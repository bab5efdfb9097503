/**
 * Roles, from least to most privileged. `member` may run inference and
 * quantization jobs; `admin` may also manage keys, teams and deployments.
 */
export enum Role {
  Member = 'member',
  Admin = 'admin',
}

export const ROLES: readonly Role[] = [Role.Member, Role.Admin];

const RANK: Record<Role, number> = { [Role.Member]: 0, [Role.Admin]: 1 };

/** True when `held` grants everything `required` grants. */
export function roleSatisfies(held: Role, required: Role): boolean {
  return RANK[held] >= RANK[required];
}
