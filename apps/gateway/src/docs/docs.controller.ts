import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth/route-access.decorator';
import { OPENAPI_DOCUMENT } from './openapi.document';
import { renderDocsPage } from './docs.page';

@Controller('docs')
@Public()
export class DocsController {
  private readonly page = renderDocsPage(OPENAPI_DOCUMENT);

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  html() {
    return this.page;
  }

  @Get('openapi.json')
  document() {
    return OPENAPI_DOCUMENT;
  }
}
