// The gateway's handle on the model store. It exists only when
// TESSERA_STORE_DIR is set; routes that need it ask `requireStore`, which
// answers 503 with what to configure instead of failing at an odd place.

import { FactoryProvider } from '@nestjs/common';
import { ErrorCode } from '@tessera/contracts';
import { ModelStore } from '@tessera/store';
import { ApiError } from '../common/api-error';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';

export const MODEL_STORE = Symbol('MODEL_STORE');

export const modelStoreProvider: FactoryProvider<ModelStore | null> = {
  provide: MODEL_STORE,
  inject: [GATEWAY_CONFIG],
  useFactory: (config: GatewayConfig) => (config.quantization.storeDir ? new ModelStore(config.quantization.storeDir) : null),
};

export function requireStore(store: ModelStore | null): ModelStore {
  if (!store) {
    throw new ApiError(ErrorCode.Internal, 'The model store is not configured on this gateway: set TESSERA_STORE_DIR to the store shared with the quantizers.', null, undefined, 503);
  }
  return store;
}
