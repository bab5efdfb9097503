import { loadPackageDefinition, type GrpcObject, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { INFERENCE_PROTO_PATH } from '@tessera/contracts';

/**
 * How both ends load inference.proto. With these options a decoded message has
 * camelCase fields, every scalar present (proto3 zero when unset), 64-bit ints as
 * numbers, and the name of the set oneof member in `prompt` / `event`.
 */
export const INFERENCE_LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

export function loadInferenceService(): ServiceDefinition {
  const definition = loadSync(INFERENCE_PROTO_PATH, INFERENCE_LOADER_OPTIONS);
  const pkg = loadPackageDefinition(definition) as unknown as { tessera: { inference: { v1: GrpcObject } } };
  const service = pkg.tessera.inference.v1.Inference as unknown as { service: ServiceDefinition };
  return service.service;
}
