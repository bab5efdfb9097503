import { ApiError } from '../api-error';

type Json = Record<string, unknown>;

interface NumberRule {
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
  integer?: boolean;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string ${JSON.stringify(value.slice(0, 40))}` : `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Reads one JSON object field by field. Every failure is a 400 naming the
 * parameter (with its path, e.g. `messages[2].role`) and what was expected.
 * Fields nobody read are reported by `rejectUnknown` (like a whitelisting
 * ValidationPipe, but loud: a misspelt parameter is an error, not a no-op).
 */
export class BodyReader {
  private readonly read = new Set<string>();
  private readonly body: Json;

  constructor(body: unknown, private readonly path = '') {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw ApiError.invalid(path ? `${path} must be an object.` : 'The request body must be a JSON object.', path || null);
    }
    this.body = body as Json;
  }

  param(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  fail(name: string, expected: string, value: unknown = this.body[name]): never {
    throw ApiError.invalid(`Invalid value for '${this.param(name)}': expected ${expected}, got ${describe(value)}.`, this.param(name));
  }

  has(name: string): boolean {
    return this.body[name] !== undefined && this.body[name] !== null;
  }

  /** The raw value, marked as read; undefined and null both mean "not given". */
  raw(name: string): unknown {
    this.read.add(name);
    const value = this.body[name];
    return value === null ? undefined : value;
  }

  requiredString(name: string): string {
    const value = this.raw(name);
    if (value === undefined) throw ApiError.invalid(`Missing required parameter '${this.param(name)}'.`, this.param(name));
    if (typeof value !== 'string' || value === '') this.fail(name, 'a non-empty string');
    return value;
  }

  string(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') this.fail(name, 'a string');
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') this.fail(name, 'true or false');
    return value;
  }

  number(name: string, rule: NumberRule = {}): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const kind = rule.integer ? 'an integer' : 'a number';
    const range = [
      rule.above !== undefined ? `> ${rule.above}` : undefined,
      rule.min !== undefined ? `>= ${rule.min}` : undefined,
      rule.max !== undefined ? `<= ${rule.max}` : undefined,
    ].filter(Boolean);
    const expected = range.length ? `${kind} ${range.join(' and ')}` : kind;
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(name, expected);
    if (rule.integer && !Number.isInteger(value)) this.fail(name, expected);
    if (rule.min !== undefined && value < rule.min) this.fail(name, expected);
    if (rule.max !== undefined && value > rule.max) this.fail(name, expected);
    if (rule.above !== undefined && value <= rule.above) this.fail(name, expected);
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !allowed.includes(value as T)) this.fail(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
    return value as T;
  }

  /** A string or an array of strings (like OpenAI's `stop`), each non-empty. */
  stringList(name: string, maxItems: number): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const list = typeof value === 'string' ? [value] : value;
    const expected = `a non-empty string or an array of at most ${maxItems} non-empty strings`;
    if (!Array.isArray(list) || list.length > maxItems) this.fail(name, expected);
    for (const item of list) if (typeof item !== 'string' || item === '') this.fail(name, expected);
    return list as string[];
  }

  /** An array of integers within bounds (token ids). */
  integerList(name: string, min: number, max: number): number[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((v) => !Number.isInteger(v) || v < min || v > max)) {
      this.fail(name, `an array of integers from ${min} to ${max}`);
    }
    return value as number[];
  }

  /** A nested object, read with its own reader. */
  object(name: string): BodyReader | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    return new BodyReader(value, this.param(name));
  }

  /** Throws for the first field no parser asked for. */
  rejectUnknown(): void {
    for (const name of Object.keys(this.body)) {
      if (!this.read.has(name)) {
        throw ApiError.invalid(`Unrecognized request argument supplied: '${this.param(name)}'. See /docs for the accepted parameters.`, this.param(name));
      }
    }
  }
}
