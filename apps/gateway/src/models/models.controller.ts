import { Controller, Get, Param } from '@nestjs/common';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Role } from '../auth/role';
import { RequireRole } from '../auth/route-access.decorator';
import { ModelsService } from './models.service';

@Controller('v1/models')
@RequireRole(Role.Member)
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Get()
  list(@CurrentPrincipal() principal: Principal) {
    return this.models.list(principal);
  }

  // Model ids may contain '/', as OpenAI's and Hugging Face's do.
  @Get('*')
  get(@CurrentPrincipal() principal: Principal, @Param('*') id: string) {
    return this.models.get(principal, decodeURIComponent(id));
  }
}
