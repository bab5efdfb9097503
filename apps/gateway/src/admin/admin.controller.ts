import { Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { RequireRole } from '../auth/route-access.decorator';
import { Role } from '../auth/role';
import { ValidBody } from '../common/validation/parse-body.pipe';
import { CreateKeyRequest, CreateTeamRequest, parseCreateKey, parseCreateTeam, parseUpdateTeam, UpdateTeamRequest } from './admin.dto';
import { AdminService } from './admin.service';

@Controller('v1/admin')
@RequireRole(Role.Admin)
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Post('teams')
  createTeam(@ValidBody(parseCreateTeam) body: CreateTeamRequest) {
    return this.admin.createTeam(body);
  }

  @Get('teams')
  listTeams() {
    return this.admin.listTeams();
  }

  @Patch('teams/:id')
  updateTeam(@Param('id') id: string, @ValidBody(parseUpdateTeam) body: UpdateTeamRequest) {
    return this.admin.updateTeam(id, body);
  }

  @Post('keys')
  createKey(@ValidBody(parseCreateKey) body: CreateKeyRequest) {
    return this.admin.createKey(body);
  }

  @Get('keys')
  listKeys() {
    return this.admin.listKeys();
  }

  @Delete('keys/:id')
  @HttpCode(200)
  revokeKey(@Param('id') id: string) {
    return this.admin.revokeKey(id);
  }
}
