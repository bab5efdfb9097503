// Real quantizer workers in this test process: the quantizer's own Nest module
// against the test's Redis and store, with the quantizer specs' test settings.
// (Tests may reach into another app; the gateway's code never does.)

import { INestApplicationContext } from '@nestjs/common';
import { TestRedis } from '@tessera/testing';
import { startQuantizerApp, testConfig } from '../../../../quantizer/src/test-utils/quantizer-harness';

/**
 * Longer locks than the quantizer's own specs use (as this spec always had):
 * the gateway and its requests share this process's event loop, where the
 * workers' lock renewals can wait.
 */
const SHARED_PROCESS_LOCKS = { QUANT_LOCK_MS: '5000', QUANT_STALLED_MS: '2000' };

export function startInProcessQuantizer(redis: TestRedis, env: { TESSERA_STORE_DIR: string } & Record<string, string>): Promise<INestApplicationContext> {
  return startQuantizerApp(testConfig(redis, env.TESSERA_STORE_DIR, { ...SHARED_PROCESS_LOCKS, ...env }));
}
