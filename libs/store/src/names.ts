// Names that come from users (team ids, model names, tags) become path
// segments under the store root, so they are validated against a strict
// alphabet: no separators, no `.`/`..`, no leading dot, bounded length.
// Anything else is rejected rather than escaped, so a name maps to exactly
// one path and can never reach outside the root.

import { StoreError } from './errors';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export type NameKind = 'team' | 'model name' | 'tag';

/** Returns `value` when it is a safe single path segment; throws STORE_BAD_NAME otherwise. */
export function checkName(kind: NameKind, value: unknown): string {
  if (typeof value !== 'string' || !SEGMENT.test(value) || value.includes('..')) {
    throw new StoreError(
      'STORE_BAD_NAME',
      `${kind} ${JSON.stringify(value)} is not allowed: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'`,
    );
  }
  return value;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** True for `sha256:<64 lowercase hex>`. */
export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && DIGEST.test(value);
}

export function checkDigest(value: unknown): string {
  if (!isDigest(value)) throw new StoreError('STORE_BAD_NAME', `${JSON.stringify(value)} is not a digest; expected sha256:<64 hex digits>`);
  return value;
}
