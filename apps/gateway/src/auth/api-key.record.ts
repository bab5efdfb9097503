import { Role } from './role';

/** A key as stored (never the plaintext). */
export interface ApiKeyRecord {
  id: string;
  teamId: string;
  role: Role;
  /** The first characters of the key, for people to recognise it. */
  prefix: string;
  name?: string;
  createdAt: number;
  revoked: boolean;
}
