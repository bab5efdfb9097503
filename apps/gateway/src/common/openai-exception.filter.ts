import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { describeForLog, toErrorResponse } from './error-response';
import { sendErrorReply } from './send-error';

/** The one place errors become HTTP responses (OpenAI's body, Retry-After). */
@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const response = toErrorResponse(exception);
    if (response.unexpected) this.logger.error(describeForLog(exception));
    sendErrorReply(reply, response);
  }
}
