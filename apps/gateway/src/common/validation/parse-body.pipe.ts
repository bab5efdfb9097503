import { Body, PipeTransform } from '@nestjs/common';

/** Turns a plain JSON body into a typed, validated request (or a 400). */
export type BodyParser<T> = (body: unknown) => T;

class ParseBodyPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly parse: BodyParser<T>) {}

  transform(value: unknown): T {
    return this.parse(value);
  }
}

/** `@ValidBody(parseChatRequest) body: ChatRequest` — the request body, validated. */
export function ValidBody<T>(parse: BodyParser<T>): ParameterDecorator {
  return Body(new ParseBodyPipe(parse));
}
