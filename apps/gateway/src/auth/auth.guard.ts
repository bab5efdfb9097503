import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ErrorCode } from '@tessera/contracts';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { AuthService } from './auth.service';
import { RequestWithPrincipal } from './principal';
import { ROUTE_ACCESS, RouteAccess } from './route-access.decorator';

/**
 * Global guard: every route must declare its access (@RequireRole or @Public).
 * A route that forgot is closed, not open.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [context.getHandler(), context.getClass()]);
    if (access === undefined) {
      throw new ApiError(ErrorCode.PermissionDenied, 'This route declares no access rule and is closed.');
    }
    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithPrincipal>();
    request.principal = await this.auth.authorize(access, request.headers.authorization);
    return true;
  }
}
