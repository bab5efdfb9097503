// A sweep's id is a hash of everything that decides its output: the team, a
// fingerprint of the source's content, the presets (as a set) and the options.
// Submitting the same work twice therefore names the same jobs, and BullMQ
// (which ignores an add whose job id exists) runs it once.

import { createHash } from 'node:crypto';

export interface SweepIdInput {
  readonly team: string;
  /** Identifies the source's content: a blob digest, a file fingerprint or hf://repo@revision. */
  readonly sourceFingerprint: string;
  /** Canonical preset names; order does not matter. */
  readonly presets: readonly string[];
  readonly evaluate: boolean;
  /** Name the results are stored under. */
  readonly name: string;
}

/** Length of the hex id: 96 bits, enough that unrelated sweeps never collide. */
const ID_HEX_CHARS = 24;

export function sweepIdOf(input: SweepIdInput): string {
  const canonical = JSON.stringify({
    v: 1,
    team: input.team,
    source: input.sourceFingerprint,
    presets: [...new Set(input.presets)].sort(),
    evaluate: input.evaluate,
    name: input.name,
  });
  return `qz-${createHash('sha256').update(canonical).digest('hex').slice(0, ID_HEX_CHARS)}`;
}

/** True for ids sweepIdOf can produce (checked before an id from a URL reaches Redis keys). */
export function isSweepId(value: string): boolean {
  return /^qz-[0-9a-f]{24}$/.test(value);
}
