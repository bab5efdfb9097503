import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Role } from './role';

/** Who is calling: set on the request by the auth guard. */
export interface Principal {
  keyId: string;
  teamId: string;
  role: Role;
}

export interface RequestWithPrincipal {
  principal?: Principal;
}

/** `@CurrentPrincipal() principal: Principal` in a controller of an authenticated route. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<RequestWithPrincipal>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without an authenticated caller');
  return principal;
});
