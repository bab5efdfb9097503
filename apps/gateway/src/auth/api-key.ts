import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'tsk-';

/** A fresh key: "tsk-" and 32 random bytes in base64url (256 bits). */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * What is stored: the SHA-256 of the key. Keys are long random strings, so a
 * fast unsalted hash is enough (nothing to brute-force) and allows a keyed lookup.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The first characters shown in listings so a person can recognise a key. */
export function displayPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + 6);
}

/** The key in an `Authorization: Bearer <key>` header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? '');
  return match?.[1];
}
