import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Role } from '../auth/role';
import { RequireRole } from '../auth/route-access.decorator';
import { StoredModelsService } from './stored-models.service';

/**
 * The team's models in the store. They live under /v1/stored-models, apart
 * from OpenAI's /v1/models/{id} (served models), whose ids may contain '/'.
 */
@Controller()
@RequireRole(Role.Member)
export class StoredModelsController {
  constructor(private readonly models: StoredModelsService) {}

  @Post('v1/models/uploads')
  @HttpCode(201)
  upload(@CurrentPrincipal() principal: Principal, @Query('name') name: string | undefined, @Query('tag') tag: string | undefined, @Req() req: FastifyRequest) {
    const length = req.headers['content-length'];
    const contentLength = length === undefined ? undefined : Number(length);
    return this.models.upload(principal, { name, tag, contentLength }, req.body);
  }

  @Get('v1/stored-models')
  list(@CurrentPrincipal() principal: Principal) {
    return this.models.list(principal);
  }

  @Get('v1/stored-models/:name')
  tags(@CurrentPrincipal() principal: Principal, @Param('name') name: string) {
    return this.models.listTags(principal, name);
  }

  @Get('v1/stored-models/:name/:tag')
  get(@CurrentPrincipal() principal: Principal, @Param('name') name: string, @Param('tag') tag: string) {
    return this.models.get(principal, name, tag);
  }

  @Delete('v1/stored-models/:name/:tag')
  @HttpCode(200)
  remove(@CurrentPrincipal() principal: Principal, @Param('name') name: string, @Param('tag') tag: string) {
    return this.models.remove(principal, name, tag);
  }
}
