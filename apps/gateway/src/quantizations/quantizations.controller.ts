import { Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Role } from '../auth/role';
import { RequireRole } from '../auth/route-access.decorator';
import { ApiError } from '../common/api-error';
import { ValidBody } from '../common/validation/parse-body.pipe';
import { CreateQuantizationRequest, parseCreateQuantization } from './quantization-request';
import { MAX_LIST_LIMIT, QuantizationsService } from './quantizations.service';
import { streamSweepEvents } from './sweep-events';

const DEFAULT_LIST_LIMIT = 20;

function parseLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_LIST_LIMIT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIST_LIMIT) throw ApiError.invalid(`Invalid value for 'limit': expected an integer from 1 to ${MAX_LIST_LIMIT}.`, 'limit');
  return n;
}

/** Quantization sweeps of the caller's team (role: member for every route). */
@Controller('v1/quantizations')
@RequireRole(Role.Member)
export class QuantizationsController {
  constructor(private readonly quantizations: QuantizationsService) {}

  /** 201 with a new sweep, 200 with the existing one when the same work was submitted before. */
  @Post()
  async create(@CurrentPrincipal() principal: Principal, @ValidBody(parseCreateQuantization) body: CreateQuantizationRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { created, view } = await this.quantizations.create(principal, body);
    reply.status(created ? 201 : 200);
    return view;
  }

  @Get()
  list(@CurrentPrincipal() principal: Principal, @Query('limit') limit: string | undefined) {
    return this.quantizations.list(principal, parseLimit(limit));
  }

  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.quantizations.get(principal, id);
  }

  @Delete(':id')
  @HttpCode(200)
  cancel(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.quantizations.cancel(principal, id);
  }

  @Get(':id/events')
  async events(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Res() reply: FastifyReply) {
    const record = await this.quantizations.recordOf(principal, id);
    await streamSweepEvents(reply, () => this.quantizations.view(record));
  }

  @Get(':id/report')
  report(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.quantizations.report(principal, id, 'json');
  }

  @Get(':id/report.svg')
  async chart(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const svg = await this.quantizations.report(principal, id, 'svg');
    reply.type('image/svg+xml; charset=utf-8');
    return svg;
  }
}
