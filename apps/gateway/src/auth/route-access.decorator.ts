import { SetMetadata } from '@nestjs/common';
import { Role } from './role';

/** Metadata key holding each route's access rule. */
export const ROUTE_ACCESS = 'tessera:route-access';

/** A role the caller's key must satisfy, or 'public' (no key needed). */
export type RouteAccess = Role | 'public';

/** The route needs an API key whose role satisfies `role`. */
export const RequireRole = (role: Role) => SetMetadata(ROUTE_ACCESS, role);

/** The route is open (health, docs, metrics). */
export const Public = () => SetMetadata(ROUTE_ACCESS, 'public' satisfies RouteAccess);
