import { Controller, HttpCode, Post } from '@nestjs/common';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Role } from '../auth/role';
import { RequireRole } from '../auth/route-access.decorator';
import { ValidBody } from '../common/validation/parse-body.pipe';
import { DetokenizeRequestDto, parseDetokenizeRequest, parseTokenizeRequest, TokenizeRequestDto } from './dto/tokenize-request.dto';
import { TokenizeService } from './tokenize.service';

@Controller()
@RequireRole(Role.Member)
export class TokenizeController {
  constructor(private readonly tokenizer: TokenizeService) {}

  @Post('tokenize')
  @HttpCode(200)
  tokenize(@CurrentPrincipal() principal: Principal, @ValidBody(parseTokenizeRequest) body: TokenizeRequestDto) {
    return this.tokenizer.tokenize(principal, body);
  }

  @Post('detokenize')
  @HttpCode(200)
  detokenize(@CurrentPrincipal() principal: Principal, @ValidBody(parseDetokenizeRequest) body: DetokenizeRequestDto) {
    return this.tokenizer.detokenize(principal, body);
  }
}
