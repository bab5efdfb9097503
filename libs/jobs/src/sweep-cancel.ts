// Cancelling a sweep: a flag every job checks before it starts (so queued jobs
// fail at once as cancelled) and a message that makes whichever quantizer runs
// one of its jobs abort the native work.

import type Redis from 'ioredis';
import { QUANT_CANCEL_CHANNEL, quantCancelKey } from '@tessera/contracts';

/** How long the cancel flag outlives the jobs' retention (14 days, like failed jobs). */
const CANCEL_FLAG_TTL_S = 14 * 24 * 3600;

export async function cancelSweep(redis: Redis, sweepId: string): Promise<void> {
  await redis.set(quantCancelKey(sweepId), '1', 'EX', CANCEL_FLAG_TTL_S);
  await redis.publish(QUANT_CANCEL_CHANNEL, sweepId);
}

export async function isSweepCancelled(redis: Redis, sweepId: string): Promise<boolean> {
  return (await redis.exists(quantCancelKey(sweepId))) === 1;
}

/** Lifts the cancel flag, before a cancelled sweep is started again. */
export async function clearSweepCancel(redis: Redis, sweepId: string): Promise<void> {
  await redis.del(quantCancelKey(sweepId));
}
