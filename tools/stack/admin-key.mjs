// The bootstrap admin key: TESSERA_ADMIN_KEY, or a fresh one for this run.
import { randomBytes } from 'node:crypto';

/** The gateway's accepted shape (apps/gateway config): "tsk-" and 16+ url-safe characters. */
export const ADMIN_KEY_PATTERN = /^tsk-[A-Za-z0-9_-]{16,}$/;

/** A new random key in the gateway's format (192 bits). */
export function generateAdminKey() {
  return `tsk-${randomBytes(24).toString('base64url')}`;
}
